"""Opposing the creation of one's space, and the proof of it.

The form asks what an activation asks (NIR, code, second item) and an explicit
confirmation. The confirmation page and the PDF live at addresses made of the proof's
unguessable reference: the person can reload or bookmark them, nobody else can find them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from espace_sante.accounts.opposition import display_reference, find_proof, oppose
from espace_sante.accounts.opposition_proof import render as render_pdf
from espace_sante.core.errors import InvalidInput
from espace_sante.gateway.actor import container
from espace_sante.web import cookies, csrf, i18n, labels
from espace_sante.web.activation import NEWCOMER_FAILURES, identity_context
from espace_sante.web.login import see_other
from espace_sante.web.render import render

router = APIRouter(include_in_schema=False)

NOT_CONFIRMED = InvalidInput(
    "Cochez la case pour confirmer votre opposition.",
    "Tick the box to confirm your opposition.",
    {"field": "confirm"},
)
PRIVATE = {"Cache-Control": "no-store"}


@router.get("/opposition")
def opposition_form(request: Request) -> Response:
    return render(request, "activation/opposition.html", identity_context())


@router.post("/opposition", dependencies=[Depends(csrf.check)])
def opposition_submit(
    request: Request,
    nir: Annotated[str, Form(max_length=32)] = "",
    code: Annotated[str, Form(max_length=32)] = "",
    second_item: Annotated[str, Form(max_length=32)] = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    c = container(request)
    try:
        if confirm != "yes":
            raise NOT_CONFIRMED
        done = oppose(c.factory, c.settings, c.clock, c.keyring, nir=nir, code=code,
                      vitale_serial_or_birth_date=second_item,
                      source=cookies.source_ip(request))
    except NEWCOMER_FAILURES as error:
        return render(request, "activation/opposition.html",
                      identity_context(nir, second_item, error), status_code=error.status)
    return see_other(f"/opposition/{done.reference}")


@router.get("/opposition/{reference}")
def opposition_done(request: Request, reference: str) -> Response:
    c = container(request)
    proof = find_proof(c.factory, c.clock, reference=reference[:64],
                       source=cookies.source_ip(request), download=False)
    lang = i18n.choose_language(request)
    context = {
        "name": f"{proof.first_names.split(' ')[0]} "
                f"{proof.used_family_name or proof.birth_family_name}",
        "reference": proof.reference,
        "when": labels.when(proof.opposed_at, lang),
        "iso": proof.opposed_at.isoformat(),
        "pdf_url": f"/opposition/{proof.reference}/preuve.pdf",
    }
    response = render(request, "activation/opposition_done.html", context)
    response.headers.update(PRIVATE)
    return response


@router.get("/opposition/{reference}/preuve.pdf")
def opposition_pdf(request: Request, reference: str) -> Response:
    c = container(request)
    proof = find_proof(c.factory, c.clock, reference=reference[:64],
                       source=cookies.source_ip(request), download=True)
    pdf = render_pdf(proof, c.settings.base_url.rstrip("/"), i18n.choose_language(request))
    name = f"attestation-opposition-{display_reference(reference)}.pdf"
    return Response(pdf, media_type="application/pdf", headers={
        **PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'})
