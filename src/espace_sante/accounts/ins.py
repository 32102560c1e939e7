"""INS (identité nationale de santé): the NIR and its control key.

The key is 97 − (NIR mod 97) over the 13 digits; for people born in Corsica the
department "2A"/"2B" is read as 19/18 *for the computation only* (the historic rule:
subtract 1,000,000 / 2,000,000 from the number where 2A/2B stands as 20).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from espace_sante.core.errors import InvalidInput

_SHAPE = re.compile(r"^[1278]\d{2}(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2A|2B)\d{6}$")
INS_NIR_OID = "urn:oid:1.2.250.1.213.1.4.8"


@dataclass(frozen=True)
class Nir:
    digits: str  # 13 characters (may hold 2A/2B)
    key: str  # 2 digits

    @property
    def full(self) -> str:
        return self.digits + self.key

    def __str__(self) -> str:
        return self.full


def parse_nir(raw: str) -> Nir:
    """Parse and check a NIR typed by a person (spaces allowed), key included."""
    text = re.sub(r"[\s.\-]", "", raw).upper()
    if len(text) != 15:
        raise InvalidInput(
            "Le numéro de sécurité sociale doit compter 15 caractères (13 + la clé de 2 chiffres).",
            "The social security number must have 15 characters (13 + the 2-digit key).",
            {"field": "nir"},
        )
    digits, key = text[:13], text[13:]
    if not _SHAPE.match(digits) or not key.isdigit():
        raise InvalidInput(
            "Ce numéro de sécurité sociale n'a pas une forme valide.",
            "This social security number is not well formed.",
            {"field": "nir"},
        )
    if control_key(digits) != key:
        raise InvalidInput(
            "La clé du numéro de sécurité sociale ne correspond pas : vérifiez le numéro.",
            "The social security number's key does not match: check the number.",
            {"field": "nir"},
        )
    return Nir(digits, key)


def control_key(digits: str) -> str:
    number = int(digits.replace("2A", "19").replace("2B", "18"))
    return f"{97 - number % 97:02d}"


def check_traits(nir: Nir, *, sex: str, birth_date: date) -> None:
    """The NIR encodes sex (1 man, 2 woman; 7/8 temporary) and birth year/month."""
    sex_digit = nir.digits[0]
    if sex_digit in "12" and {"1": "M", "2": "F"}[sex_digit] != sex:
        raise InvalidInput(
            "Le sexe ne correspond pas au numéro de sécurité sociale.",
            "Sex does not match the social security number.",
            {"field": "sex"},
        )
    if int(nir.digits[1:3]) != birth_date.year % 100:
        raise InvalidInput(
            "L'année de naissance ne correspond pas au numéro de sécurité sociale.",
            "The birth year does not match the social security number.",
            {"field": "birth_date"},
        )
