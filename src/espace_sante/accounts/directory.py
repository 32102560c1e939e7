"""The professionals (RPPS) and institutions (FINESS) directory, loaded from a file.

The file is JSON: ``{"institutions": [{finess, name, kind, city}], "professionals":
[{rpps, family_name, given_name, profession_code, profession, specialty,
organisation_finess, email}]}``. Loading is an upsert, so a new extract replaces the old.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from espace_sante.accounts.models import Institution, Professional
from espace_sante.core.errors import InvalidInput

_RPPS = re.compile(r"^\d{11}$")
_FINESS = re.compile(r"^\d{2}[0-9AB]\d{6}$")


def load_directory(session: Session, path: Path) -> tuple[int, int]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"Annuaire illisible : {exc}", f"Unreadable directory: {exc}") from exc
    institutions = [upsert_institution(session, row) for row in data.get("institutions", [])]
    session.flush()
    professionals = [upsert_professional(session, row) for row in data.get("professionals", [])]
    return len(institutions), len(professionals)


def upsert_institution(session: Session, row: dict[str, Any]) -> Institution:
    if not _FINESS.match(str(row.get("finess", ""))):
        raise InvalidInput(
            f"FINESS invalide : {row.get('finess')!r}", f"Invalid FINESS: {row.get('finess')!r}"
        )
    inst = session.get(Institution, row["finess"]) or Institution(finess=row["finess"])
    inst.name, inst.kind, inst.city = row["name"], row["kind"], row.get("city")
    session.add(inst)
    return inst


def upsert_professional(session: Session, row: dict[str, Any]) -> Professional:
    if not _RPPS.match(str(row.get("rpps", ""))):
        raise InvalidInput(
            f"RPPS invalide : {row.get('rpps')!r}", f"Invalid RPPS: {row.get('rpps')!r}"
        )
    pro = session.get(Professional, row["rpps"]) or Professional(rpps=row["rpps"])
    for name in ("family_name", "given_name", "profession_code", "profession"):
        setattr(pro, name, row[name])
    pro.specialty = row.get("specialty")
    pro.organisation_finess = row.get("organisation_finess")
    pro.email = row.get("email")
    session.add(pro)
    return pro


def institution_name(session: Session, finess: str) -> str | None:
    inst = session.get(Institution, finess)
    return inst.name if inst else None
