"""The audit trail is written on the access path and ``audit verify`` catches tampering."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from espace_sante.accounts import service
from espace_sante.bootstrap import Container
from espace_sante.cli import app as cli
from espace_sante.core import audit
from espace_sante.core.audit import AuditEvent
from espace_sante.core.errors import NotFound
from tests.helpers import (
    CAMILLE,
    PHARMACIST,
    THOMAS,
    actor_of,
    person_session,
    professional_session,
)


def _activity(c: Container) -> str:
    """Real traffic: sign-ins, reads, a refusal. Returns Camille's patient id."""
    camille = actor_of(c, person_session(c, CAMILLE))
    pid = camille.own_patient_id
    assert pid is not None
    for _ in range(3):
        service.get_patient(c.uow, camille, pid)
    thomas = actor_of(c, person_session(c, THOMAS))
    with pytest.raises(NotFound):
        service.get_patient(c.uow, thomas, pid)
    pharmacist = actor_of(c, professional_session(c, PHARMACIST))
    with pytest.raises(NotFound):
        service.space_summary(c.uow, pharmacist, pid)
    return pid


def _chain(c: Container, pid: str) -> list[AuditEvent]:
    with c.factory() as s:
        return list(
            s.scalars(select(AuditEvent).where(AuditEvent.chain == pid).order_by(AuditEvent.seq))
        )


def _verify(c: Container) -> audit.Breach | None:
    with c.factory() as s:
        return audit.verify(s)[1]


def _cli_verify(c: Container, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("ESPACE_SANTE_DATABASE_URL", c.settings.effective_database_url)
    monkeypatch.setenv("ESPACE_SANTE_DATA_DIR", str(c.settings.data_dir))
    result = CliRunner().invoke(cli, ["audit", "verify"])
    return result.exit_code, result.output


def test_accesses_and_refusals_are_recorded(demo: Container) -> None:
    pid = _activity(demo)
    events = _chain(demo, pid)
    outcomes = [(e.actor_kind, e.action, e.outcome) for e in events]
    assert ("patient", "read", "success") in outcomes
    assert ("patient", "read", "denied") in outcomes  # Thomas, refused, recorded anyway
    assert ("professional", "read", "denied") in outcomes
    assert all(e.request_id is None or len(e.request_id) <= 64 for e in events)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))


def test_intact_chain_verifies(demo: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    _activity(demo)
    assert _verify(demo) is None
    code, output = _cli_verify(demo, monkeypatch)
    assert code == 0, output
    assert "intacte" in output


def test_changed_row_is_detected(demo: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = _activity(demo)
    victim = _chain(demo, pid)[2]
    with demo.factory() as s:
        s.execute(
            update(AuditEvent)
            .where(AuditEvent.id == victim.id)
            .values(actor_name="quelqu'un d'autre")
        )
        s.commit()
    breach = _verify(demo)
    assert breach is not None and breach.event_id == victim.id
    assert breach.problem == "content changed"
    code, output = _cli_verify(demo, monkeypatch)
    assert code == 1 and victim.id in output


def test_deleted_row_is_detected(demo: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = _activity(demo)
    events = _chain(demo, pid)
    with demo.factory() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.id == events[1].id))
        s.commit()
    breach = _verify(demo)
    assert breach is not None and breach.seq == 2 and breach.event_id == events[2].id
    code, output = _cli_verify(demo, monkeypatch)
    assert code == 1 and "#2" in output


def test_reordered_rows_are_detected(demo: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = _activity(demo)
    first, second = _chain(demo, pid)[1:3]
    with demo.factory() as s:
        s.execute(update(AuditEvent).where(AuditEvent.id == first.id).values(seq=-1))
        s.execute(update(AuditEvent).where(AuditEvent.id == second.id).values(seq=first.seq))
        s.execute(update(AuditEvent).where(AuditEvent.id == first.id).values(seq=second.seq))
        s.commit()
    breach = _verify(demo)
    assert breach is not None and breach.seq == first.seq
    code, _ = _cli_verify(demo, monkeypatch)
    assert code == 1


def test_junk_ids_do_not_open_chains(demo: Container) -> None:
    camille = actor_of(demo, person_session(demo, CAMILLE))
    with pytest.raises(NotFound):
        service.get_patient(demo.uow, camille, "../../etc/passwd")
    with demo.factory() as s:
        chains = set(s.scalars(select(AuditEvent.chain).distinct()))
    assert "../../etc/passwd" not in chains
