"""The documents of a patient, for the signed-in professional (``/pro``): the documents
the policy lets him see, each one's page with its preview and download, adding a
document (with the confidentiality only a professional sets), and a new version or the
deletion of what he deposited himself. The pages are the patient side's (``dossier``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from espace_sante.core.actors import Actor, ActorKind
from espace_sante.core.errors import DomainError, NotFound
from espace_sante.dossier import service
from espace_sante.dossier.service import Upload
from espace_sante.dossier.views import Flags, Metadata
from espace_sante.gateway.actor import CurrentActor, container
from espace_sante.web.dossier import (
    PRO_TYPE,
    Checked,
    Side,
    chunks_of,
    confirm_page,
    delete,
    deposit,
    document_page,
    list_page,
    parse_day,
    upload_page,
)

router = APIRouter(include_in_schema=False)

DOCUMENTS = "/pro/patients/{patient_id}/documents"
DOCUMENT = f"{DOCUMENTS}/{{document_id}}"


def pro_side(actor: Actor, patient_id: str) -> Side:
    if actor.kind is not ActorKind.PROFESSIONAL:  # a patient id is never confirmed here
        raise NotFound.default()
    return Side(patient_id, f"/pro/patients/{patient_id}/documents",
                service.offered(actor, patient_id), pro=True)


@router.get(DOCUMENTS)
def documents(request: Request, actor: CurrentActor, patient_id: str) -> Response:
    return list_page(request, actor, pro_side(actor, patient_id))


@router.get(f"{DOCUMENTS}/ajout")
def upload_form(request: Request, actor: CurrentActor, patient_id: str) -> Response:
    return upload_page(request, actor, pro_side(actor, patient_id))


@router.post(f"{DOCUMENTS}/ajout", dependencies=Checked)
def upload(
    request: Request, actor: CurrentActor, patient_id: str,
    fichier: Annotated[UploadFile | None, File()] = None,
    titre: Annotated[str, Form()] = "",
    type_code: Annotated[str, Form(alias="type")] = PRO_TYPE,
    date_acte: Annotated[str, Form()] = "", invisible_patient: Annotated[str, Form()] = "",
    invisible_representants: Annotated[str, Form()] = "",
) -> Response:
    side = pro_side(actor, patient_id)
    form = {"titre": titre, "type": type_code, "date_acte": date_acte,
            "invisible_patient": invisible_patient,
            "invisible_representants": invisible_representants}

    def make() -> tuple[Upload, Metadata]:
        flags = Flags(invisible_to_patient=invisible_patient == "oui",
                      invisible_to_representatives=invisible_representants == "oui")
        metadata = Metadata(title=titre, type_code=type_code,
                            act_date=parse_day(date_acte, "date_acte"), flags=flags)
        return chunks_of(fichier), metadata

    return deposit(request, actor, side, form, make)


@router.get(DOCUMENT)
def document(request: Request, actor: CurrentActor, patient_id: str,
             document_id: str) -> Response:
    return document_page(request, actor, pro_side(actor, patient_id), document_id)


@router.post(f"{DOCUMENT}/version", dependencies=Checked)
def replace(
    request: Request, actor: CurrentActor, patient_id: str, document_id: str,
    fichier: Annotated[UploadFile | None, File()] = None,
    titre: Annotated[str, Form()] = "", date_acte: Annotated[str, Form()] = "",
) -> Response:
    """A new version keeps what the old one said (type, category, confidentiality)
    unless the form changes it."""
    side = pro_side(actor, patient_id)
    form = {"titre": titre, "date_acte": date_acte}
    old = service.get_document(container(request), actor, patient_id, document_id)

    def make() -> tuple[Upload, Metadata]:
        metadata = Metadata(
            title=titre.strip() or old.title, type_code=old.type_code,
            act_date=parse_day(date_acte, "date_acte") or old.act_date,
            category=old.category, flags=old.flags)
        return chunks_of(fichier), metadata

    def on_error(error: DomainError) -> Response:
        return document_page(request, actor, side, document_id, status_code=error.status,
                             error=error, error_form="version", form=form)

    return deposit(request, actor, side, form, make, replaces_id=document_id,
                   on_error=on_error)


@router.get(f"{DOCUMENT}/suppression")
def confirm_deletion(request: Request, actor: CurrentActor, patient_id: str,
                     document_id: str) -> Response:
    return confirm_page(request, actor, pro_side(actor, patient_id), document_id)


@router.post(f"{DOCUMENT}/suppression", dependencies=Checked)
def delete_document(request: Request, actor: CurrentActor, patient_id: str, document_id: str,
                    confirme: Annotated[str, Form()] = "") -> Response:
    return delete(request, actor, pro_side(actor, patient_id), document_id, confirme)
