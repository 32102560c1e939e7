"""JSON API of a newcomer's first steps, for the mobile app: activate, ask for a new code,
oppose. The same use cases as the pages, so the same limits and the same generic answers;
no session is needed, and none is opened (the app signs in as usual afterwards)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from espace_sante.accounts.activation import activate, request_new_code
from espace_sante.accounts.opposition import oppose
from espace_sante.gateway.actor import container

router = APIRouter(prefix="/api", tags=["activation"])

SECOND_ITEM = ("The carte Vitale serial number or, for a child the register gave none, the "
               "birth date (DD/MM/YYYY or YYYY-MM-DD).")


def _source(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class Identity(BaseModel):
    nir: str = Field(max_length=32, description="The 15-character NIR (13 + key).")
    second_item: str = Field(max_length=32, description=SECOND_ITEM)


class WithCode(Identity):
    code: str = Field(max_length=32, description="The activation code, e.g. ABCD-EFGH-JKMN.")


class ActivationIn(WithCode):
    email: str | None = Field(None, max_length=254, description="The account's e-mail "
                              "address: give it or ``phone``, not both.")
    phone: str | None = Field(None, max_length=32, description="A mobile number instead of "
                              "an address (06/07 or +…): the person then signs in with it "
                              "and gets his one-time codes by SMS.")
    password: str = Field(min_length=1, max_length=256, description="At least 12 characters.")


class ActivationOut(BaseModel):
    state: str = "active"
    email: str | None
    phone: str | None = Field(description="E.164, when the account was activated by SMS.")
    next: str = Field("/connexion", description="Sign in as usual, with the address or the "
                      "number: the one-time code sent there verifies it.")


class Accepted(BaseModel):
    status: str = "accepted"
    message: str
    message_en: str


class OppositionOut(BaseModel):
    reference: str
    opposed_at: datetime
    proof_url: str


@router.post("/activation", status_code=201, summary="Activate a space and create its "
             "holder's account (NIR, code, second item, e-mail or mobile, password)")
def activate_space(request: Request, body: ActivationIn) -> ActivationOut:
    c = container(request)
    done = activate(c.factory, c.settings, c.clock, nir=body.nir, code=body.code,
                    vitale_serial_or_birth_date=body.second_item, email=body.email,
                    phone=body.phone, password=body.password, source=_source(request))
    return ActivationOut(email=done.email, phone=done.phone)


@router.post("/activation/new-code", status_code=202, summary="Send a new activation code "
             "to the contact on file (same answer whether or not the NIR has a space)")
def new_code(request: Request, body: Identity) -> Accepted:
    c = container(request)
    request_new_code(c.factory, c.settings, c.clock, nir=body.nir,
                     vitale_serial_or_birth_date=body.second_item, source=_source(request))
    return Accepted(
        message="Si ces informations correspondent à un espace en attente d'activation, un "
                "nouveau code est envoyé aux coordonnées connues de l'Assurance Maladie.",
        message_en="If this information matches a space awaiting activation, a new code is "
                   "sent to the contact details the Assurance Maladie holds.",
    )


@router.post("/opposition", status_code=201, summary="Oppose the creation of one's space; "
             "returns the reference of the PDF proof")
def oppose_space(request: Request, body: WithCode) -> OppositionOut:
    c = container(request)
    done = oppose(c.factory, c.settings, c.clock, c.keyring, nir=body.nir, code=body.code,
                  vitale_serial_or_birth_date=body.second_item, source=_source(request))
    return OppositionOut(reference=done.reference, opposed_at=done.opposed_at,
                         proof_url=f"/opposition/{done.reference}/preuve.pdf")
