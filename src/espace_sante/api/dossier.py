"""JSON API of the dossier, for professionals' software and the patient's own tools: the
same use cases as the pages and FHIR. Another person's document answers 404, exactly like
a missing one. Uploads are multipart (``file`` plus metadata fields) and streamed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import partial

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from espace_sante.api.multipart import Form, read_form
from espace_sante.dossier import service as dossier
from espace_sante.dossier.codes import SYSTEM_MAX_BYTES, Category, SourceKind, Status
from espace_sante.dossier.repository import DocumentQuery
from espace_sante.dossier.service import Changes, FolderView
from espace_sante.dossier.views import DocumentView, Flags, Metadata
from espace_sante.gateway.actor import CurrentActor, container

router = APIRouter(prefix="/api", tags=["dossier"])
DOCS = "/spaces/{patient_id}/documents"
CHUNK = 1 << 20


class DocumentPage(BaseModel):
    total: int
    offset: int
    count: int
    documents: list[DocumentView]


class DocumentChanges(BaseModel):
    title: str | None = Field(None, max_length=255)
    category: Category | None = None
    folder_id: str | None = Field(None, description='A folder id, or "" to unfile.')
    masked_from_professionals: bool | None = None


class NewFolder(BaseModel):
    name: str = Field(max_length=120)


@router.get(DOCS, summary="Documents of a space the caller may see, newest first")
def list_documents(
    request: Request, actor: CurrentActor, patient_id: str,
    category: Category | None = None, type_code: str | None = None,
    source: SourceKind | None = None, author: str | None = Query(None, max_length=100),
    q: str | None = Query(None, max_length=100, description="Title, author, text."),
    folder_id: str | None = None, status: Status | None = Status.CURRENT,
    deposited_from: date | None = None, deposited_to: date | None = None,
    act_from: date | None = None, act_to: date | None = None,
    sort: str = Query("-date", pattern="^(-date|date|-act|act|title)$"),
    count: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0),
) -> DocumentPage:
    query = DocumentQuery(
        category=category, type_code=type_code, source=source, author=author, text=q,
        folder_id=folder_id, status=status, created_from=deposited_from,
        created_to=deposited_to, act_from=act_from, act_to=act_to, sort=sort, count=count,
        offset=offset)
    page = dossier.list_documents(container(request), actor, patient_id, query)
    return DocumentPage(total=page.total, offset=offset, count=count, documents=page.documents)


class DepositFields(BaseModel):
    """The text fields sent with the file."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=255)
    type_code: str = Field("DOCPAT", max_length=64)
    category: Category | None = None
    act_date: date | None = None
    folder_id: str | None = Field(None, max_length=36)
    masked_from_professionals: bool = False
    invisible_to_patient: bool = False
    invisible_to_representatives: bool = False
    replaces_id: str | None = Field(None, max_length=36)


DEPOSIT_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["file", "title"], "properties": {
        "file": {"type": "string", "format": "binary"},
        **DepositFields.model_json_schema()["properties"]}}}}}}


def _deposit_fields(form: Form) -> DepositFields:
    # An empty field means "not given", as browsers and curl -F send them.
    given = {k: v for k, v in form.fields.items() if v != ""}
    try:
        return DepositFields.model_validate(given)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from exc


@router.post(DOCS, status_code=201, summary="Deposit a document (multipart, streamed)",
             openapi_extra=DEPOSIT_BODY)
async def add_document(request: Request, actor: CurrentActor, patient_id: str) -> DocumentView:
    c = container(request)
    # Checked before the body is read: nobody else may make us store 200 MB.
    await run_in_threadpool(dossier.check_may_deposit, c, actor, patient_id)
    form = await read_form(request, partial(dossier.Receiver, limit=SYSTEM_MAX_BYTES,
                                            tmp_dir=dossier.tmp_dir(c)))
    try:
        f = _deposit_fields(form)
        flags = Flags(f.masked_from_professionals, f.invisible_to_patient,
                      f.invisible_to_representatives)
        metadata = Metadata(f.title, f.type_code, f.act_date, f.category, flags,
                            folder_id=f.folder_id or None)
        upload = dossier.Upload(file_name=form.file_name, received=form.received)
        return await run_in_threadpool(dossier.add_document, c, actor, patient_id, upload,
                                       metadata, replaces_id=f.replaces_id or None)
    finally:
        dossier.discard(form.received)


@router.get(DOCS + "/{document_id}", summary="A document's metadata")
def get_document(request: Request, actor: CurrentActor, patient_id: str,
                 document_id: str) -> DocumentView:
    return dossier.get_document(container(request), actor, patient_id, document_id)


@router.get(DOCS + "/{document_id}/content", summary="Download a document's file")
def download(request: Request, actor: CurrentActor, patient_id: str,
             document_id: str) -> Response:
    view, chunks = dossier.open_content(container(request), actor, patient_id, document_id,
                                        download=True)
    return stream(view, chunks, inline=False)


@router.patch(DOCS + "/{document_id}", summary="Rename, recategorise, file, mask or unmask")
def update_document(request: Request, actor: CurrentActor, patient_id: str,
                    document_id: str, body: DocumentChanges) -> DocumentView:
    return dossier.update_document(container(request), actor, patient_id, document_id,
                                   Changes(**body.model_dump()))


@router.delete(DOCS + "/{document_id}", status_code=204, summary="Delete a document")
def delete_document(request: Request, actor: CurrentActor, patient_id: str,
                    document_id: str) -> Response:
    dossier.delete_document(container(request), actor, patient_id, document_id)
    return Response(status_code=204)


@router.get("/spaces/{patient_id}/folders", summary="The space's folders")
def folders(request: Request, actor: CurrentActor, patient_id: str) -> list[FolderView]:
    return dossier.list_folders(container(request), actor, patient_id)


@router.post("/spaces/{patient_id}/folders", status_code=201, summary="Create a folder")
def create_folder(request: Request, actor: CurrentActor, patient_id: str,
                  body: NewFolder) -> FolderView:
    return dossier.create_folder(container(request), actor, patient_id, body.name)


@router.delete("/spaces/{patient_id}/folders/{folder_id}", status_code=204,
               summary="Delete a folder (its documents stay, unfiled)")
def delete_folder(request: Request, actor: CurrentActor, patient_id: str,
                  folder_id: str) -> Response:
    dossier.delete_folder(container(request), actor, patient_id, folder_id)
    return Response(status_code=204)


def stream(view: DocumentView, chunks: Iterator[bytes], *, inline: bool) -> StreamingResponse:
    """A document's bytes as the browser or the client gets them: never cached, never
    sniffed into another type, named safely."""
    name = view.file_name or f"document.{view.format.name.lower()}"
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:100]
    disposition = "inline" if inline else "attachment"
    return StreamingResponse(chunks, media_type=view.format.value, headers={
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'{disposition}; filename="{safe}"',
        "Content-Length": str(view.size)})


