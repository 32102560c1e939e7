"""The profile's PDF export in the JSON API: the same use case as the page's download
(``profile.export``), for the patient's own tools. Holders only; another person's space
answers 404, exactly like a missing one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from espace_sante.gateway.actor import CurrentActor, container
from espace_sante.profile import export
from espace_sante.profile.codes import Section

router = APIRouter(prefix="/api", tags=["profile"])
PDF_HEADERS = {
    "Content-Disposition": f'attachment; filename="{export.FILENAME}"',
    "Cache-Control": "no-store",  # health data stays out of caches
}
Sections = Annotated[list[str] | None, Query(
    max_length=len(Section) + 1,
    description="Sections to include (repeated or comma-separated), and "
                f"`{export.MEASURES}` for the latest measures; all if absent: "
                + ", ".join(Section))]


@router.get("/spaces/{patient_id}/profile/export.pdf",
            summary="The profile (or chosen sections) as a PDF, in French",
            response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def export_pdf(request: Request, actor: CurrentActor, patient_id: str,
               sections: Sections = None) -> Response:
    choice = export.choice_of(sections or [])
    pdf = export.export_pdf(container(request), actor, patient_id, choice)
    return Response(pdf, media_type="application/pdf", headers=PDF_HEADERS)
