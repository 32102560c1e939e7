"""Test data for newcomers: spaces created from the register, awaiting activation.

Bulk provisioning builds them in production; here one space is written directly (the row,
a code from ``activation_codes.issue_code`` and its notice in the outbox), so these tests
depend only on what they test.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date

from fastapi import FastAPI
from sqlalchemy import select

from espace_sante.accounts import code_notices
from espace_sante.accounts.activation_codes import CODE_VALIDITY, issue_code, vitale_hash
from espace_sante.accounts.ins import control_key
from espace_sante.accounts.models import Patient, SpaceState
from espace_sante.accounts.opposition import WINDOW
from espace_sante.api import activation as activation_api
from espace_sante.bootstrap import Container
from espace_sante.core.notify import OutboxMessage
from espace_sante.web import activation as activation_pages
from espace_sante.web import operator_opposition, opposition
from tests.web.pages import include_once

CODE = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})\b")
REFERENCE = re.compile(r"\b(OPP(?:-[A-Z2-9]{4}){5})\b")


@dataclass(frozen=True)
class Newcomer:
    patient_id: str
    nir: str
    second_item: str  # the carte Vitale serial, or the birth date of a child
    email: str | None
    code: str


def nir(nir13: str) -> str:
    return nir13 + control_key(nir13)


def make_pending(c: Container, nir13: str = "2920675056061", *, first_names: str = "Nadia",
                 family_name: str = "Leroy", born: date = date(1992, 6, 3),
                 vitale: str | None = "100200300", email: str | None = "nadia@example.org",
                 phone: str | None = None, address: str | None = None,
                 declared_by: str | None = None) -> Newcomer:
    now = c.clock.now()
    with c.factory() as session:
        patient = Patient(
            nir=nir(nir13), birth_family_name=family_name, first_names=first_names,
            birth_date=born, sex="F" if nir13[0] == "2" else "M", birth_place_code="75056",
            state=SpaceState.PENDING, created_at=now, contact_email=email,
            contact_phone=phone, postal_address=address,
            vitale_serial_hash=vitale_hash(c.settings.secret_key, vitale) if vitale else None,
            window_ends_at=now + WINDOW, declared_by_patient_id=declared_by,
        )
        session.add(patient)
        session.flush()
        code = issue_code(session, patient.id, secret=c.settings.secret_key, now=now)
        notice, sms = code_notices.new_code(c.settings, patient, code,
                                            expires=now + CODE_VALIDITY, reopened=False)
        code_notices.send(session, patient, notice, sms, now=now)
        session.commit()
        second = vitale or born.strftime("%d/%m/%Y")
        return Newcomer(patient.id, patient.nir, second, email, code)


def latest_message(c: Container, recipient: str) -> OutboxMessage:
    with c.factory() as session:
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == recipient)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id)
        ).first()
    assert message is not None, f"no message for {recipient}"
    return message


def latest_code(c: Container, recipient: str) -> str:
    """The activation code of the latest notice, as printed (``ABCD-EFGH-JKMN``)."""
    found = CODE.search(latest_message(c, recipient).body)
    assert found, "no activation code in the latest message"
    return found.group(1)


def space(c: Container, patient_id: str) -> Patient:
    with c.factory() as session:
        patient = session.get(Patient, patient_id)
    assert patient is not None
    return patient


def with_newcomer_routes(app: FastAPI) -> FastAPI:
    """The newcomer pages and API, unless app.py already includes them."""
    for router in (activation_pages.router, opposition.router, operator_opposition.router,
                   activation_api.router):
        include_once(app, router)
    return app


def pdf_text(pdf: bytes) -> str | None:
    """The text of a PDF through poppler's ``pdftotext`` (None when it is not installed:
    the caller then checks the text the PDF was drawn from)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    done = subprocess.run([tool, "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True, timeout=30)
    return " ".join(done.stdout.decode().split())
