from __future__ import annotations

from datetime import date

import pytest

from espace_sante.accounts.ins import check_traits, control_key, parse_nir
from espace_sante.core.errors import InvalidInput


def test_key_is_97_minus_nir_mod_97() -> None:
    assert control_key("1800369123045") == f"{97 - 1800369123045 % 97:02d}"


def test_valid_nir_with_spaces() -> None:
    key = control_key("2850575056123")
    nir = parse_nir(f"2 85 05 75 056 123 {key}")
    assert nir.full == "2850575056123" + key


@pytest.mark.parametrize(("dept", "replacement"), [("2A", "19"), ("2B", "18")])
def test_corsica_departments(dept: str, replacement: str) -> None:
    digits = f"24105{dept}004017"
    expected = 97 - int(digits.replace(dept, replacement)) % 97
    assert control_key(digits) == f"{expected:02d}"
    assert parse_nir(digits + f"{expected:02d}").digits == digits


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("123", "15 caractères"),
        ("385057505612312", "forme valide"),
        ("2850575056123" + "00", "clé"),
        ("28505750561AB12", "forme valide"),
    ],
)
def test_bad_nir_french_messages(raw: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_nir(raw)
    assert fragment in err.value.message
    assert err.value.message_en


def test_traits_must_match() -> None:
    nir = parse_nir("2850575056123" + control_key("2850575056123"))
    check_traits(nir, sex="F", birth_date=date(1985, 5, 14))
    with pytest.raises(InvalidInput):
        check_traits(nir, sex="M", birth_date=date(1985, 5, 14))
    with pytest.raises(InvalidInput):
        check_traits(nir, sex="F", birth_date=date(1986, 5, 14))
