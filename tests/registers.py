"""Register files for provisioning tests: valid NIRs, lines, and the sample of the README."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from espace_sante.accounts.ins import control_key
from espace_sante.core.actors import Actor, ActorKind

SAMPLE = (Path(__file__).resolve().parents[1] / "src" / "espace_sante" / "demo_data"
          / "register-sample.csv")
COLUMNS = ("nir", "birth_family_name", "first_names", "used_family_name", "birth_date", "sex",
           "birth_place_code", "email", "phone", "postal_address", "vitale_serial", "notice",
           "parent_nir")
OPERATOR = Actor(ActorKind.OPERATOR, "op-test", "Opératrice de test")
# Lines of the sample (README) and what they hold.
SOPHIE, MARC, HELENE, EMMA, LUCAS, HUGO = "290047505612368", "187086912345688", \
    "275013306302135", "224047505632197", "126047505632248", "126107505640165"
THOMAS_NIR = "180036912304583"  # demo father, with an account


def nir(i: int, *, sex: str = "2", born: date = date(1990, 4, 12), place: str = "75056") -> str:
    digits = f"{sex}{born.year % 100:02d}{born.month:02d}{place}{i:03d}"
    return digits + control_key(digits)


def person(i: int, **fields: str) -> dict[str, str]:
    """An adult, valid line ``i`` (e-mail notice); ``fields`` override any column."""
    row = {
        "nir": nir(i), "birth_family_name": "TESTEUR", "first_names": f"Alice{chr(65 + i % 26)}",
        "used_family_name": "", "birth_date": "1990-04-12", "sex": "F",
        "birth_place_code": "75056", "email": f"alice{i}@example.org", "phone": "",
        "postal_address": "", "vitale_serial": f"VITALE{i:06d}", "notice": "", "parent_nir": "",
    }
    return row | fields


def child(i: int, parent: str, **fields: str) -> dict[str, str]:
    born = date(2020, 5, 2)
    row = person(i, nir=nir(i, sex="1", born=born), first_names="Tom", birth_date="2020-05-02",
                 sex="M", email="", vitale_serial="", parent_nir=parent)
    return row | fields


def write_csv(path: Path, rows: list[dict[str, str]], *, delimiter: str = ";",
              bom: bool = False, header: tuple[str, ...] = COLUMNS) -> Path:
    lines = [delimiter.join(header)]
    lines += [delimiter.join(row.get(c, "") for c in header) for row in rows]
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_ndjson(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps({k: v for k, v in row.items() if v},
                                       ensure_ascii=False) + "\n" for row in rows),
                    encoding="utf-8")
    return path
