"""The documents of a space, for its holder, legal representatives and caregivers: the
list (filters, search, folders, pages of 20), the upload form, each document's page with
its preview and the forms that organise it. The professional's pages (``dossier_pro``)
reuse the pages built here. Every decision is the dossier's use cases'; a refused or
unknown document answers "not found"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Final, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from markupsafe import Markup
from starlette.datastructures import QueryParams

from espace_sante.accounts import service as accounts
from espace_sante.core.actors import Actor, ActorKind
from espace_sante.core.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    TooLarge,
    UnsupportedContent,
)
from espace_sante.dossier import service
from espace_sante.dossier.codes import (
    PATIENT_MAX_BYTES,
    PATIENT_TYPE,
    SYSTEM_MAX_BYTES,
    Category,
    SourceKind,
)
from espace_sante.dossier.repository import DocumentQuery
from espace_sante.dossier.service import Changes, Offered, Upload
from espace_sante.dossier.views import Flags, Metadata
from espace_sante.gateway.actor import MaybeActor, container
from espace_sante.web import csrf, dossier_content, i18n
from espace_sante.web.dossier_content import shown
from espace_sante.web.labels import translate
from espace_sante.web.login import see_other
from espace_sante.web.patient import to_sign_in
from espace_sante.web.render import render

router = APIRouter(include_in_schema=False)

Checked = [Depends(csrf.check)]
PER_PAGE = 20
PRO_TYPE = "11488-4"  # compte rendu de consultation: what a professional adds most
CHUNK = 1 << 20
# Refusals a person can fix on the page itself: shown next to the form, not as an error page.
FORM_ERRORS = (InvalidInput, TooLarge, UnsupportedContent)
PATIENT_ACCEPT = ".pdf,.jpg,.jpeg,.png,.tif,.tiff,.rtf,.txt,application/pdf,image/jpeg," \
                 "image/png,image/tiff,application/rtf,text/plain"
DONE: Final[dict[str, str]] = {
    "ajout": "Le document est ajouté.",
    "version": "La nouvelle version est ajoutée ; l'ancienne reste dans l'historique.",
    "titre": "Le titre est modifié.",
    "categorie": "La catégorie est modifiée.",
    "dossier": "Le rangement du document est modifié.",
    "masquage": "La visibilité du document pour les professionnels est modifiée.",
    "suppression": "Le document est supprimé.",
    "dossier-cree": "Le dossier est créé.",
    "dossier-supprime": "Le dossier est supprimé ; ses documents sont conservés.",
}
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class Side:
    """Whose pages these are, and which buttons to offer (the dossier's ``offered``:
    caregivers may neither delete nor download); the use cases decide what is done."""

    patient_id: str
    base: str
    offer: Offered
    pro: bool = False

    @property
    def back(self) -> str:
        return "/pro" if self.pro else "/accueil"


def patient_side(actor: Actor, patient_id: str) -> Side:
    return Side(patient_id, f"/espaces/{patient_id}/documents",
                service.offered(actor, patient_id))


def lang_of(request: Request) -> str:
    return i18n.choose_language(request)


def done(request: Request) -> str | None:
    french = DONE.get(request.query_params.get("fait") or "")
    return translate(lang_of(request), french) if french else None


def parse_enum(kind: type[E], raw: str, field: str) -> E | None:
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise InvalidInput(f"Valeur inconnue : {raw}.", f"Unknown value: {raw}.",
                           {"field": field}) from None


def parse_day(raw: str, field: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput("Date invalide (jour, mois, année).",
                           "Invalid date (day, month, year).", {"field": field}) from None


# -- the list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The list's filters, as the search form sends them (French names in the URL)."""

    texte: str = ""
    categorie: str = ""
    auteur: str = ""
    source: str = ""
    du: str = ""
    au: str = ""
    dossier: str = ""
    page: int = 1

    @classmethod
    def of(cls, params: QueryParams) -> Filters:
        values = {f.name: params.get(f.name, "").strip()[:200] for f in fields(cls)
                  if f.name != "page"}
        raw_page = params.get("page", "1")
        page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) <= 10_000 else 1
        return cls(**values, page=page)

    def query(self) -> DocumentQuery:
        return DocumentQuery(
            category=parse_enum(Category, self.categorie, "categorie"),
            source=parse_enum(SourceKind, self.source, "source"),
            author=self.auteur or None, text=self.texte or None,
            folder_id=self.dossier or None, act_from=parse_day(self.du, "du"),
            act_to=parse_day(self.au, "au"), count=PER_PAGE, offset=(self.page - 1) * PER_PAGE)

    def url(self, base: str, page: int) -> str:
        params = [(f.name, value) for f in fields(self)
                  if f.name != "page" and (value := getattr(self, f.name))]
        params += [("page", str(page))] if page > 1 else []
        return f"{base}?{urlencode(params)}" if params else base

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self) if f.name != "page")


def list_page(request: Request, actor: Actor, side: Side, *, status_code: int = 200,
              **extra: Any) -> Response:
    c, lang = container(request), lang_of(request)
    filters = Filters.of(request.query_params)
    page = service.list_documents(c, actor, side.patient_id, filters.query())
    last = max(1, -(-page.total // PER_PAGE))
    context = {
        "side": side, "filters": filters, "total": page.total,
        "rows": [shown(view, side.base, lang) for view in page.documents],
        "current": filters.page, "last": last,
        "prev_url": filters.url(side.base, filters.page - 1) if filters.page > 1 else None,
        "next_url": filters.url(side.base, filters.page + 1) if filters.page < last else None,
        "folders": [] if side.pro else service.list_folders(c, actor, side.patient_id),
        "patient": accounts.get_patient(c.uow, actor, side.patient_id),
        "categories": dossier_content.categories(lang),
        "sources": dossier_content.sources(lang), "done": done(request), "form": {}, **extra,
    }
    return render(request, "dossier/list.html", context, actor=actor, status_code=status_code)


@router.get("/espaces/{patient_id}/documents")
def documents(request: Request, actor: MaybeActor, patient_id: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    if actor.kind is ActorKind.PROFESSIONAL:  # his pages are under /pro
        raise NotFound.default()
    return list_page(request, actor, patient_side(actor, patient_id))


@router.post("/espaces/{patient_id}/documents/dossiers", dependencies=Checked)
def create_folder(request: Request, actor: MaybeActor, patient_id: str,
                  nom: Annotated[str, Form()] = "") -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    side = patient_side(actor, patient_id)
    try:
        service.create_folder(container(request), actor, patient_id, nom)
    except InvalidInput as error:
        return list_page(request, actor, side, status_code=error.status, error=error,
                         error_form="folder", form={"nom": nom})
    return see_other(f"{side.base}?fait=dossier-cree")


@router.post("/espaces/{patient_id}/documents/dossiers/{folder_id}/suppression",
             dependencies=Checked)
def delete_folder(request: Request, actor: MaybeActor, patient_id: str,
                  folder_id: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    service.delete_folder(container(request), actor, patient_id, folder_id)
    return see_other(f"/espaces/{patient_id}/documents?fait=dossier-supprime")


# -- adding a document ------------------------------------------------------------------------


def upload_page(request: Request, actor: Actor, side: Side, *, status_code: int = 200,
                **extra: Any) -> Response:
    c, lang = container(request), lang_of(request)
    context = {
        "side": side, "patient": accounts.get_patient(c.uow, actor, side.patient_id),
        "categories": dossier_content.categories(lang),
        "types": dossier_content.doc_types(lang),
        "folders": [] if side.pro else service.list_folders(c, actor, side.patient_id),
        "accept": PATIENT_ACCEPT if not side.pro else f"{PATIENT_ACCEPT},.xml,text/xml",
        "max_mb": (SYSTEM_MAX_BYTES if side.pro else PATIENT_MAX_BYTES) // (1024 * 1024),
        "form": {"type": PRO_TYPE if side.pro else PATIENT_TYPE}, "error": None,
        **extra,
    }
    return render(request, "dossier/upload.html", context, actor=actor, status_code=status_code)


def chunks_of(file: UploadFile | None) -> Upload:
    if file is None or not file.filename:
        raise InvalidInput("Choisissez le fichier à ajouter.", "Choose the file to add.",
                           {"field": "fichier"})

    def chunks() -> Iterator[bytes]:
        file.file.seek(0)
        while chunk := file.file.read(CHUNK):
            yield chunk

    return Upload(chunks(), file.filename)


def deposit(request: Request, actor: Actor, side: Side, form: dict[str, str],
            make: Callable[[], tuple[Upload, Metadata]], replaces_id: str | None = None,
            on_error: Callable[[DomainError], Response] | None = None) -> Response:
    """Add the document the form describes; a refusal shows next to the form, with what
    was typed kept (a file input cannot be refilled: the message says so)."""
    try:
        upload, metadata = make()
        view = service.add_document(container(request), actor, side.patient_id, upload,
                                    metadata, replaces_id=replaces_id)
    except FORM_ERRORS as error:
        if on_error is not None:
            return on_error(error)
        return upload_page(request, actor, side, status_code=error.status, error=error,
                           form=form)
    return see_other(f"{side.base}/{view.id}?fait={'version' if replaces_id else 'ajout'}")


@router.get("/espaces/{patient_id}/documents/ajout")
def upload_form(request: Request, actor: MaybeActor, patient_id: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    return upload_page(request, actor, patient_side(actor, patient_id))


@router.post("/espaces/{patient_id}/documents/ajout", dependencies=Checked)
def upload(
    request: Request, actor: MaybeActor, patient_id: str,
    fichier: Annotated[UploadFile | None, File()] = None,
    photo: Annotated[UploadFile | None, File()] = None,
    titre: Annotated[str, Form()] = "", categorie: Annotated[str, Form()] = "",
    type_code: Annotated[str, Form(alias="type")] = PATIENT_TYPE,
    date_acte: Annotated[str, Form()] = "", dossier: Annotated[str, Form()] = "",
    masque: Annotated[str, Form()] = "",
) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    form = {"titre": titre, "categorie": categorie, "type": type_code, "date_acte": date_acte,
            "dossier": dossier, "masque": masque}

    def make() -> tuple[Upload, Metadata]:
        metadata = Metadata(
            title=titre, type_code=type_code, act_date=parse_day(date_acte, "date_acte"),
            category=parse_enum(Category, categorie, "categorie"),
            flags=Flags(masked_from_professionals=masque == "oui"), folder_id=dossier or None)
        return chunks_of(fichier if fichier and fichier.filename else photo), metadata

    return deposit(request, actor, patient_side(actor, patient_id), form, make)


# -- a document's page ------------------------------------------------------------------------


def document_page(request: Request, actor: Actor, side: Side, document_id: str, *,
                  status_code: int = 200, **extra: Any) -> Response:
    c, lang = container(request), lang_of(request)
    doc = shown(service.get_document(c, actor, side.patient_id, document_id), side.base, lang)
    context: dict[str, Any] = {
        "side": side, "doc": doc, "done": done(request), "form": {},
        "patient": accounts.get_patient(c.uow, actor, side.patient_id),
        "categories": dossier_content.categories(lang),
        "folders": [] if side.pro else service.list_folders(c, actor, side.patient_id),
        "own": side.pro and actor.subject_id == doc.view.deposited_by,
    }
    if doc.preview == "text":
        _, chunks = service.open_content(c, actor, side.patient_id, document_id, download=False)
        context["text"], context["text_cut"] = dossier_content.read_text(chunks)
    elif doc.preview == "cda":
        html = service.cda_html(c, actor, side.patient_id, document_id)
        context["cda"] = Markup(html)  # noqa: S704 - the CDA renderer escapes every text
    return render(request, "dossier/document.html", {**context, **extra}, actor=actor,
                  status_code=status_code)


DOCUMENT = "/espaces/{patient_id}/documents/{document_id}"


@router.get(DOCUMENT)
def document(request: Request, actor: MaybeActor, patient_id: str, document_id: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    if actor.kind is ActorKind.PROFESSIONAL:  # his pages are under /pro
        raise NotFound.default()
    return document_page(request, actor, patient_side(actor, patient_id), document_id)


def _change(request: Request, actor: Actor, patient_id: str, document_id: str, step: str,
            form: dict[str, str], make: Callable[[], Changes]) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    side = patient_side(actor, patient_id)
    try:
        service.update_document(container(request), actor, patient_id, document_id, make())
    except InvalidInput as error:
        return document_page(request, actor, side, document_id, status_code=error.status,
                             error=error, error_form=step, form=form)
    return see_other(f"{side.base}/{document_id}?fait={step}")


@router.post(f"{DOCUMENT}/titre", dependencies=Checked)
def rename(request: Request, actor: MaybeActor, patient_id: str, document_id: str,
           titre: Annotated[str, Form()] = "") -> Response:
    return _change(request, actor, patient_id, document_id, "titre", {"titre": titre},
                   lambda: Changes(title=titre))


@router.post(f"{DOCUMENT}/categorie", dependencies=Checked)
def recategorise(request: Request, actor: MaybeActor, patient_id: str, document_id: str,
                 categorie: Annotated[str, Form()] = "") -> Response:
    return _change(request, actor, patient_id, document_id, "categorie", {},
                   lambda: Changes(category=parse_enum(Category, categorie, "categorie")))


@router.post(f"{DOCUMENT}/dossier", dependencies=Checked)
def move(request: Request, actor: MaybeActor, patient_id: str, document_id: str,
         dossier: Annotated[str, Form()] = "") -> Response:
    return _change(request, actor, patient_id, document_id, "dossier", {},
                   lambda: Changes(folder_id=dossier))


@router.post(f"{DOCUMENT}/masquage", dependencies=Checked)
def mask(request: Request, actor: MaybeActor, patient_id: str, document_id: str,
         masque: Annotated[str, Form()] = "") -> Response:
    return _change(request, actor, patient_id, document_id, "masquage", {},
                   lambda: Changes(masked_from_professionals=masque == "oui"))


# -- deleting (both sides) ---------------------------------------------------------------------

NOT_CONFIRMED = InvalidInput(
    "Cochez la case pour confirmer.", "Tick the box to confirm.", {"field": "confirme"})


def confirm_page(request: Request, actor: Actor, side: Side, document_id: str,
                 error: DomainError | None = None) -> Response:
    view = service.get_document(container(request), actor, side.patient_id, document_id)
    context = {"side": side, "doc": shown(view, side.base, lang_of(request)), "error": error}
    return render(request, "dossier/confirm_delete.html", context, actor=actor,
                  status_code=error.status if error else 200)


def delete(request: Request, actor: Actor, side: Side, document_id: str,
           confirme: str) -> Response:
    if confirme != "oui":
        return confirm_page(request, actor, side, document_id, NOT_CONFIRMED)
    service.delete_document(container(request), actor, side.patient_id, document_id)
    return see_other(f"{side.base}?fait=suppression")


@router.get(f"{DOCUMENT}/suppression")
def confirm_deletion(request: Request, actor: MaybeActor, patient_id: str,
                     document_id: str) -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    return confirm_page(request, actor, patient_side(actor, patient_id), document_id)


@router.post(f"{DOCUMENT}/suppression", dependencies=Checked)
def delete_document(request: Request, actor: MaybeActor, patient_id: str, document_id: str,
                    confirme: Annotated[str, Form()] = "") -> Response:
    if not actor.is_authenticated:
        return to_sign_in(request)
    return delete(request, actor, patient_side(actor, patient_id), document_id, confirme)
