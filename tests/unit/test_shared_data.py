"""The copies of the external test material are the originals, byte for byte."""

from __future__ import annotations

import pytest

from tests.shared_data import DATA, ORIGINALS


def test_copies_are_the_originals() -> None:
    if not ORIGINALS.is_dir():
        pytest.skip("the shared folder is not beside this clone: nothing to compare with")
    copies = sorted(p.relative_to(DATA) for p in DATA.rglob("*") if p.is_file()
                    and p.name != "README.md")
    assert len(copies) >= 20
    for relative in copies:
        assert (DATA / relative).read_bytes() == (ORIGINALS / relative).read_bytes(), relative
