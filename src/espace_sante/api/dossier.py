"""JSON API of the dossier, for professionals' software and the patient's own tools: the
same use cases as the pages and FHIR. Another person's document answers 404, exactly like
a missing one. Uploads are multipart (``file`` plus metadata fields) and streamed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from espace_sante.dossier import service as dossier
from espace_sante.dossier.codes import Category, SourceKind, Status
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


@router.post(DOCS, status_code=201, summary="Deposit a document (multipart, streamed)")
def add_document(
    request: Request, actor: CurrentActor, patient_id: str,
    file: Annotated[UploadFile, File()], title: Annotated[str, Form(max_length=255)],
    type_code: Annotated[str, Form()] = "DOCPAT",
    category: Annotated[Category | None, Form()] = None,
    act_date: Annotated[date | None, Form()] = None,
    folder_id: Annotated[str | None, Form()] = None,
    masked_from_professionals: Annotated[bool, Form()] = False,
    invisible_to_patient: Annotated[bool, Form()] = False,
    invisible_to_representatives: Annotated[bool, Form()] = False,
    replaces_id: Annotated[str | None, Form()] = None,
) -> DocumentView:
    flags = Flags(masked_from_professionals, invisible_to_patient, invisible_to_representatives)
    metadata = Metadata(title, type_code, act_date, category, flags, folder_id=folder_id or None)
    return dossier.add_document(container(request), actor, patient_id,
                                dossier.Upload(_chunks(file), file.filename), metadata,
                                replaces_id=replaces_id or None)


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


def _chunks(file: UploadFile) -> Iterator[bytes]:
    # UploadFile spools to disk beyond 1 MB: reading it in chunks keeps memory flat.
    while chunk := file.file.read(CHUNK):
        yield chunk
