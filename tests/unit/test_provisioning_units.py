"""The bulk shortcuts of provisioning give exactly what the one-at-a-time functions give:
codes, ids, keyed hashes, audit hashes; and the register reader's rules."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from espace_sante.accounts import activation_codes
from espace_sante.accounts.provisioning_batch import Stamp
from espace_sante.accounts.provisioning_codes import KeyedHashes, new_codes, new_ids, shown
from espace_sante.accounts.register import Format, inspect, read, validate
from espace_sante.accounts.register_fields import channel
from espace_sante.core import audit
from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from espace_sante.core.notify import Channel
from tests.registers import person, write_csv

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_codes_are_drawn_from_the_alphabet_uniformly_enough() -> None:
    codes = new_codes(3000)
    assert len(set(codes)) == 3000
    assert all(len(c) == activation_codes.CODE_LENGTH for c in codes)
    letters = "".join(codes)
    assert set(letters) == set(activation_codes.ALPHABET)
    expected = len(letters) / len(activation_codes.ALPHABET)
    counts = [letters.count(ch) for ch in activation_codes.ALPHABET]
    assert max(counts) < expected * 1.15 and min(counts) > expected * 0.85
    assert shown(codes[0]) == activation_codes.display(codes[0])


def test_ids_are_random_uuid4() -> None:
    for text in new_ids(500):
        value = uuid.UUID(text)
        assert str(value) == text and value.version == 4 and value.variant == uuid.RFC_4122


def test_keyed_hashes_equal_those_of_activation_codes() -> None:
    hashes, secret = KeyedHashes("a secret"), "a secret"
    for code in new_codes(20):
        patient_id = str(uuid.uuid4())
        assert hashes.code(patient_id, code) == activation_codes.code_hash(
            secret, patient_id, code)
    assert hashes.vitale("1234567890AB") == activation_codes.vitale_hash(secret, "1234567890AB")


@pytest.mark.parametrize("actor", [
    Actor(ActorKind.OPERATOR, "op", "Opérateur « test »"),
    Actor(ActorKind.INSURER, "client:cnam", "Assurance Maladie", organisation="CNAM"),
])
def test_a_space_event_hash_is_the_one_audit_computes(actor: Actor) -> None:
    stamp = Stamp(now=NOW, run_id="run-1", secret="s", base_url="http://x", actor=actor,
                  basis=LegalBasis.OPERATOR_MANDATE, request_id="req-1")
    event_id, patient_id = str(uuid.uuid4()), str(uuid.uuid4())
    event = audit.AuditEvent(**{**stamp.event_base, "id": event_id, "chain": patient_id,
                                "patient_id": patient_id, "resource_id": patient_id})
    assert stamp.space_event_hash(event_id, patient_id) == event.compute_hash()


def test_the_default_channel_is_email_then_sms_then_letter() -> None:
    assert channel(None, "a@b.fr", "+33600000000", "x") is Channel.EMAIL
    assert channel(None, None, "+33600000000", "x") is Channel.SMS
    assert channel(None, None, None, "x") is Channel.LETTER
    assert channel(Channel.LETTER, "a@b.fr", None, None) is None
    assert channel(None, None, None, None) is None


def test_the_csv_delimiter_is_found_from_the_header(tmp_path: Path) -> None:
    for delimiter in (";", ","):
        path = write_csv(tmp_path / f"r{delimiter}.csv", [person(1)], delimiter=delimiter)
        assert inspect(path) is Format.CSV
        [raw] = read(path, Format.CSV)
        assert validate(raw, today=date(2026, 11, 22)).nir == person(1)["nir"]  # type: ignore[union-attr]


def test_a_file_without_suffix_is_told_by_its_first_character(tmp_path: Path) -> None:
    (tmp_path / "register").write_text('{"nir": "x"}\n', encoding="utf-8")
    assert inspect(tmp_path / "register") is Format.NDJSON


def test_a_line_that_is_not_utf8_is_refused_alone(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [person(1), person(2)])
    data = path.read_bytes().replace(b"Alice", b"Al\xe9ce", 1)
    path.write_bytes(data)
    results = [validate(raw, today=date(2026, 11, 22)) for raw in read(path, Format.CSV)]
    assert [type(r).__name__ for r in results] == ["LineError", "Person"]
    assert "UTF-8" in results[0].message_en  # type: ignore[union-attr]


def test_drafted_rows_hold_exactly_the_copy_columns(tmp_path: Path) -> None:
    """The rows formatted for COPY (PostgreSQL) and those inserted as dicts (SQLite) are
    the same rows: a column missing from either would fail only on one database."""
    from espace_sante.accounts import provisioning_batch as batch
    from espace_sante.accounts import provisioning_plan as plan

    stamp = Stamp(now=NOW, run_id="run-1", secret="s", base_url="http://x",
                  actor=Actor(ActorKind.OPERATOR, "op", "op"),
                  basis=LegalBasis.OPERATOR_MANDATE, request_id=None, copy=True)
    path = write_csv(tmp_path / "r.csv", [person(1)])
    [raw] = read(path, Format.CSV)
    [draft] = plan.draft_batch([validate(raw, today=date(2026, 11, 22))], stamp)  # type: ignore[list-item]
    assert isinstance(draft, plan.Draft) and draft.message is not None
    assert set(draft.patient) == set(batch.PATIENT_COLUMNS)
    assert set(draft.code) == set(batch.CODE_COLUMNS)
    assert set(draft.message) == set(batch.MESSAGE_COLUMNS)
    assert set(draft.event) == set(batch.EVENT_COLUMNS)
    assert stamp.buffers is not None and draft.spans is not None
    rows = (draft.patient, draft.code, draft.message, draft.event)
    for buffer, row in zip(stamp.buffers.tables, rows, strict=True):
        line = bytes(buffer.data).decode()
        assert line.endswith("\n") and line.count("\n") == 1
        cells = dict(zip(buffer.columns, line[:-1].split("\t"), strict=True))
        assert cells.keys() == row.keys()
        for column, value in row.items():  # constants included: the same as in the rows
            assert _copy_text(value) == cells[column].replace("\\n", "\n"), column


def _copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime | date):
        return value.isoformat(" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)
