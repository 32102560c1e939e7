"""Phone numbers typed by people or given by the register, read as E.164."""

from __future__ import annotations

import pytest

from espace_sante.accounts.phones import can_receive_sms, mask, to_e164


@pytest.mark.parametrize(("typed", "e164"), [
    ("06 12 34 56 78", "+33612345678"), ("06.12.34.56.78", "+33612345678"),
    ("+33 6 12 34 56 78", "+33612345678"), ("0033612345678", "+33612345678"),
    ("+33 (0)6", None), ("+44 7911 123456", "+447911123456"), ("0612", None),
    ("pas un numéro", None), ("", None), ("+0612345678", None),
])
def test_numbers_are_read_as_e164(typed: str, e164: str | None) -> None:
    assert to_e164(typed) == e164


@pytest.mark.parametrize(("e164", "mobile"), [
    ("+33612345678", True), ("+33712345678", True), ("+33123456789", False),
    ("+33912345678", False), ("+447911123456", True), ("+262692123456", True),
])
def test_only_mobiles_receive_codes(e164: str, mobile: bool) -> None:
    assert can_receive_sms(e164) is mobile


def test_a_masked_number_is_recognisable_not_revealed() -> None:
    assert mask("+33612345678") == "+33 6 •• •• •• 78"
    assert mask("+447911123456") == "+44 ••• 56"
