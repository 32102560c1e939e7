"""JSON API of the accounts brick: who am I, my spaces, their summary and access history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from espace_sante.accounts import service
from espace_sante.accounts.service import AccessEntry, PatientView, SpaceSummary
from espace_sante.gateway.actor import CurrentActor, container

router = APIRouter(prefix="/api", tags=["accounts"])


class Me(BaseModel):
    kind: str
    subject_id: str
    display_name: str
    profession: str | None
    organisation: str | None


@router.get("/me", summary="The signed-in actor")
def me(actor: CurrentActor) -> Me:
    return Me(
        kind=actor.kind.value,
        subject_id=actor.subject_id,
        display_name=actor.display_name,
        profession=actor.profession,
        organisation=actor.organisation,
    )


@router.get("/spaces", summary="Patient spaces the actor may reach (own, children, …)")
def spaces(request: Request, actor: CurrentActor) -> list[PatientView]:
    return service.my_spaces(container(request).uow, actor)


@router.get("/spaces/{patient_id}/summary", summary="Content counts of a space")
def summary(request: Request, actor: CurrentActor, patient_id: str) -> SpaceSummary:
    return service.space_summary(container(request).uow, actor, patient_id)


@router.get("/spaces/{patient_id}/access-history", summary="Who accessed the space, and why")
def history(
    request: Request,
    actor: CurrentActor,
    patient_id: str,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[AccessEntry]:
    return service.access_history(
        container(request).uow, actor, patient_id, page=page, per_page=per_page
    )
