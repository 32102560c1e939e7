"""Bulk provisioning from the insurer's register, on a real database: pending spaces, codes
(hash only), notices per channel, children, idempotence, resume, bad lines, audit."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from espace_sante.accounts.activation_codes import code_hash, vitale_hash
from espace_sante.accounts.letters import batch_letters
from espace_sante.accounts.models import (
    ActivationCode,
    Delegation,
    Patient,
    ProvisioningIssue,
    ProvisioningRun,
)
from espace_sante.accounts.provisioning import Progress, provision
from espace_sante.accounts.provisioning_runs import RunView
from espace_sante.accounts.register import MalformedRegister
from espace_sante.bootstrap import Container
from espace_sante.core import audit
from espace_sante.core.actors import Actor, ActorKind, LegalBasis
from espace_sante.core.audit import AuditEvent
from espace_sante.core.errors import Conflict, Forbidden
from espace_sante.core.notify import OutboxMessage, OutboxOnlySmsGateway, dispatch_pending
from tests.conftest import START
from tests.pdf_text import pages_text
from tests.registers import (
    EMMA,
    HELENE,
    HUGO,
    LUCAS,
    MARC,
    OPERATOR,
    SAMPLE,
    SOPHIE,
    child,
    nir,
    person,
    write_csv,
    write_ndjson,
)

CODE = re.compile(r"\b([A-Z2-9]{4})-([A-Z2-9]{4})-([A-Z2-9]{4})\b")


def run(c: Container, source: Path | io.BytesIO, actor: Actor = OPERATOR,
        **kw: Any) -> RunView:
    return provision(c.factory, c.settings, c.clock, source, actor=actor, **kw)


def count(c: Container, model: type, *where: object) -> int:
    with c.factory() as session:
        stmt = select(func.count()).select_from(model).where(*where)
        return int(session.scalar(stmt) or 0)


def patient(c: Container, nir_: str) -> Patient:
    with c.factory() as session:
        found = session.scalar(select(Patient).where(Patient.nir == nir_))
        assert found is not None, nir_
        return found


def notices(c: Container, patient_id: str) -> list[OutboxMessage]:
    with c.factory() as session:
        return list(session.scalars(select(OutboxMessage)
                                    .where(OutboxMessage.patient_id == patient_id)))


def shown_code(message: OutboxMessage) -> str:
    match = CODE.search(message.body)
    assert match, message.body
    return "".join(match.groups())


# -- the sample of the README ----------------------------------------------------------------


def test_sample_creates_pending_spaces_codes_and_notices(demo: Container) -> None:
    codes_before = count(demo, ActivationCode)
    pending_before = count(demo, Patient, Patient.state == "pending")
    summary = run(demo, SAMPLE)
    assert (summary.created, summary.unchanged, summary.refused) == (11, 0, 5)
    assert summary.status == "finished" and summary.lines_done == 16
    sophie = patient(demo, SOPHIE)
    assert sophie.state == "pending" and sophie.window_ends_at == START + timedelta(weeks=6)
    assert sophie.vitale_serial_hash == vitale_hash(demo.settings.secret_key, "1234567890AB")
    assert sophie.contact_phone == "+33612345678"
    [message] = notices(demo, sophie.id)
    code = shown_code(message)
    with demo.factory() as session:
        [row] = session.scalars(
            select(ActivationCode).where(ActivationCode.patient_id == sophie.id))
    # Only the HMAC is stored: the code in clear is nowhere but in the notice.
    assert row.code_hash == code_hash(demo.settings.secret_key, sophie.id, code)
    assert code not in row.code_hash and row.expires_at == START + timedelta(weeks=6)
    assert (message.channel, message.recipient) == ("email", "sophie.laurent@example.org")
    assert "3 janvier 2027" in message.body and "/activer" in message.body
    assert "/opposition" in message.body and "3 January 2027" in message.body
    assert count(demo, ActivationCode) == codes_before + 11
    assert count(demo, Patient, Patient.state == "pending") == pending_before + 11


def test_notices_go_by_the_channel_asked_or_by_default(demo: Container) -> None:
    run(demo, SAMPLE)
    [sms] = notices(demo, patient(demo, MARC).id)
    assert (sms.channel, sms.recipient) == ("sms", "+33698765432") and len(sms.body) < 400
    [letter] = notices(demo, patient(demo, HELENE).id)
    assert letter.channel == "letter"
    assert letter.recipient == "Hélène MOREAU\n8 allée des Pins\nAppartement 12\n33000 BORDEAUX"
    assert "Code d'activation provisoire" in letter.body


def test_children_are_linked_to_the_declaring_parent(demo: Container) -> None:
    run(demo, SAMPLE)
    sophie, emma, lucas = patient(demo, SOPHIE), patient(demo, EMMA), patient(demo, LUCAS)
    assert emma.state == lucas.state == "pending"
    assert emma.declared_by_patient_id == lucas.declared_by_patient_id == sophie.id
    assert emma.vitale_serial_hash is None
    [to_sophie] = notices(demo, emma.id)  # no contact of his own: the parent's
    assert to_sophie.recipient == "sophie.laurent@example.org"
    assert "Bonjour Sophie LAURENT" in to_sophie.body
    assert "votre enfant Emma LAURENT" in to_sophie.body
    assert emma.contact_email == "sophie.laurent@example.org"  # the contact on file
    [letter] = notices(demo, lucas.id)  # asked for a letter: at the parent's address
    assert letter.channel == "letter" and letter.recipient.startswith("Sophie LAURENT\n12 rue")
    # Sophie has no account yet: no delegation until she activates.
    assert count(demo, Delegation, Delegation.patient_id.in_([emma.id, lucas.id])) == 0


def test_a_parent_with_an_account_represents_the_child_at_once(demo: Container) -> None:
    run(demo, SAMPLE)
    hugo = patient(demo, HUGO)
    with demo.factory() as session:
        [delegation] = session.scalars(select(Delegation).where(Delegation.patient_id == hugo.id))
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.chain == hugo.id)
                                      .order_by(AuditEvent.seq)))
    assert (delegation.kind, delegation.role_detail) == ("legal_representative", "parent")
    assert [(e.seq, e.resource_kind) for e in events] == [(1, "space"), (2, "delegation")]
    assert events[1].prev_hash == events[0].hash


def test_each_created_space_has_its_audit_event(demo: Container) -> None:
    summary = run(demo, SAMPLE)
    with demo.factory() as session:
        events = list(session.scalars(select(AuditEvent).where(
            AuditEvent.resource_kind == "space", AuditEvent.action == "create")))
        started = session.scalar(select(AuditEvent).where(
            AuditEvent.resource_kind == "provisioning_run"))
        assert audit.verify(session)[1] is None
    assert len(events) == 11 and {e.chain for e in events} == {e.patient_id for e in events}
    assert {(e.seq, e.prev_hash, e.actor_kind, e.legal_basis, e.actor_name) for e in events} == {
        (1, audit.GENESIS, "operator", "operator_mandate", "Opératrice de test")}
    assert started is not None and started.resource_id == summary.id


# -- idempotence and resume -------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(demo: Container, tmp_path: Path) -> None:
    first = run(demo, SAMPLE)
    patients, messages = count(demo, Patient), count(demo, OutboxMessage)
    again = run(demo, SAMPLE)
    assert again.id == first.id and again.created == 11
    assert (count(demo, Patient), count(demo, OutboxMessage)) == (patients, messages)
    assert count(demo, ProvisioningRun) == 1
    # Another file with the same people (and one more): those known are unchanged.
    rows = [person(1), person(2)]
    write_csv(tmp_path / "a.csv", rows)
    run(demo, tmp_path / "a.csv")
    second = run(demo, write_csv(tmp_path / "b.csv", [*rows, person(3)]))
    assert (second.created, second.unchanged, second.refused) == (1, 2, 0)
    assert count(demo, OutboxMessage) == messages + 3


class Crash(Exception):
    pass


def test_an_interrupted_import_resumes_after_the_last_batch(
    container: Container, tmp_path: Path
) -> None:
    register = write_csv(tmp_path / "r.csv", [person(i) for i in range(23)])

    def crash_after_two_batches(p: Progress) -> None:
        if p.lines_done == 10:
            raise Crash

    with pytest.raises(Crash):
        run(container, register, batch_size=5, progress=crash_after_two_batches)
    with container.factory() as session:
        [interrupted] = session.scalars(select(ProvisioningRun))
    assert (interrupted.lines_done, interrupted.created, interrupted.finished_at) == (10, 10, None)
    assert count(container, Patient) == count(container, OutboxMessage) == 10
    seen: list[int] = []
    resumed = run(container, register, batch_size=5, progress=lambda p: seen.append(p.lines_done))
    assert seen == [10, 15, 20, 23]  # where it resumed, then after each batch
    assert (resumed.id, resumed.created, resumed.lines_done) == (interrupted.id, 23, 23)
    assert count(container, Patient) == count(container, ActivationCode) == 23
    assert count(container, AuditEvent, AuditEvent.resource_kind == "space") == 23


def test_another_process_moving_the_run_on_stops_this_one(
    container: Container, tmp_path: Path
) -> None:
    register = write_csv(tmp_path / "r.csv", [person(i) for i in range(12)])

    def someone_else(p: Progress) -> None:
        if p.lines_done == 5:
            with container.factory() as session:
                session.execute(update(ProvisioningRun).values(lines_done=7))
                session.commit()

    with pytest.raises(Conflict):
        run(container, register, batch_size=5, progress=someone_else)
    assert count(container, Patient) == 5


# -- bad lines and bad files --------------------------------------------------------------------


def test_bad_lines_are_refused_with_their_line_and_reason(
    container: Container, tmp_path: Path
) -> None:
    rows = [
        person(1),                                            # 2 ok
        person(2, nir=nir(2)[:13] + "00"),                    # 3 wrong key
        person(1, first_names="Autre"),                       # 4 duplicate within the batch
        person(3, birth_date="1990-02-30"),                   # 5 bad date
        child(4, parent=nir(99)),                             # 6 unknown parent
        person(5, first_names=""),                            # 7 required value missing
        person(6, sex="M"),                                   # 8 sex does not match the NIR
        person(7, parent_nir=nir(1)),                         # 9 an adult with a parent
        person(8, notice="sms"),                              # 10 sms but no phone
        person(9, vitale_serial=""),                          # 11 adult without carte Vitale
        person(10, postal_address="|".join(["x" * 10] * 6), notice="letter"),  # 12 6 lines
        child(11, parent=nir(1)),                             # 13 ok: parent line 2
        person(12),                                           # 14 ok
        person(1),                                            # 15 duplicate, next batch
    ]
    path = write_csv(tmp_path / "r.csv", rows)
    with path.open("a", encoding="utf-8") as f:
        f.write("1;2;3\n")                                    # 16 wrong number of columns
    summary = run(container, path, batch_size=13)
    reasons = {i.line: (i.reason, i.reason_en) for i in summary.issues}
    expected = {
        3: ("nir : La clé", "nir: The social security number's key"),
        4: ("déjà présente plus haut", "already listed earlier"),
        5: ("birth_date : date invalide", "invalid date"),
        6: ("parent inconnu", "unknown parent"),
        7: ("first_names : obligatoire", "first_names: required"),
        8: ("sex : Le sexe ne correspond pas", "Sex does not match"),
        9: ("réservé aux mineurs", "for minors only"),
        10: ("aucun moyen de prévenir", "no way to notify"),
        11: ("vitale_serial : obligatoire", "vitale_serial: required"),
        12: ("postal_address : 5 lignes", "at most 5 lines"),
        15: ("déjà présente plus haut", "already listed earlier"),
        16: ("nombre de colonnes", "number of columns"),
    }
    assert sorted(reasons) == sorted(expected)
    for line, (fr, en) in expected.items():
        assert fr in reasons[line][0] and en in reasons[line][1], (line, reasons[line])
    assert (summary.created, summary.refused) == (3, 12)
    assert count(container, ProvisioningIssue) == 12 and count(container, Patient) == 3


@pytest.mark.parametrize(("content", "message"), [
    (b"nir;first_names\n1;2\n", "colonnes obligatoires absentes : birth_family_name"),
    (";".join(["nir", "birth_family_name", "first_names", "birth_date", "sex",
               "birth_place_code", "emial"]).encode() + b"\n", "colonnes inconnues : emial"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "pas un fichier texte"),
    (b"", "le fichier est vide"),
    (b"\xff\xfe\x00n\x00i", "pas un fichier texte"),
    (b"caf\xe9;nir\n", "UTF-8"),
])
def test_a_malformed_file_is_refused_before_anything_is_written(
    container: Container, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "register.csv"
    path.write_bytes(content)
    with pytest.raises(MalformedRegister) as refused:
        run(container, path)
    assert message in refused.value.message and refused.value.message_en
    assert count(container, ProvisioningRun) == count(container, Patient) == 0


def test_ndjson_whose_first_line_is_not_an_object_is_refused(
    container: Container, tmp_path: Path
) -> None:
    path = tmp_path / "register.ndjson"
    path.write_text('["not", "an", "object"]\n', encoding="utf-8")
    with pytest.raises(MalformedRegister, match="objet JSON"):
        run(container, path)
    assert count(container, ProvisioningRun) == 0


# -- formats and sources ----------------------------------------------------------------------


def test_ndjson_register_with_a_child(container: Container, tmp_path: Path) -> None:
    rows = [person(1, phone="06 11 22 33 44", email=""), child(2, parent=nir(1))]
    path = write_ndjson(tmp_path / "r.ndjson", rows)
    with path.open("a", encoding="utf-8") as f:
        f.write("\n{broken\n" + '{"nir": 123}\n')
    summary = run(container, path)
    assert (summary.created, summary.refused) == (2, 2)
    assert [(i.line, i.reason[:15]) for i in summary.issues] == [
        (4, "ligne illisible"), (5, "nir : Le numéro")]
    kid = patient(container, nir(2, sex="1", born=date(2020, 5, 2)))
    [sms] = notices(container, kid.id)
    assert (sms.channel, sms.recipient) == ("sms", "+33611223344")


def test_csv_with_commas_and_a_byte_order_mark(container: Container, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [person(1, birth_family_name="LÉGER-D'ARC")],
                     delimiter=",", bom=True)
    assert run(container, path).created == 1
    assert patient(container, nir(1)).birth_family_name == "LÉGER-D'ARC"


def test_a_stream_is_spooled_to_disk_then_removed(container: Container, tmp_path: Path) -> None:
    data = write_csv(tmp_path / "r.csv", [person(1), person(2)]).read_bytes()
    summary = run(container, io.BytesIO(data), file_name="flux.csv")
    assert (summary.file_name, summary.created) == ("flux.csv", 2)
    assert list((container.settings.data_dir / "provisioning").iterdir()) == []


# -- who may provision -------------------------------------------------------------------------


INSURER = Actor(ActorKind.INSURER, "client:cnam", "Assurance Maladie",
                default_basis=LegalBasis.SYSTEM_FEED, scopes=frozenset({"system/Provisioning.c"}))


@pytest.mark.parametrize("actor", [
    Actor(ActorKind.PATIENT, "acc-1", "Camille Martin"),
    Actor(ActorKind.INSTITUTION, "client:chd", "CHD", default_basis=LegalBasis.SYSTEM_FEED,
          scopes=frozenset({"system/Provisioning.c"})),
    Actor(ActorKind.COMMISSION, "acc-2", "Commission"),
    Actor(ActorKind.INSURER, "client:cnam", "Assurance Maladie",
          default_basis=LegalBasis.SYSTEM_FEED, scopes=frozenset({"system/*.cruds"})),
])
def test_only_the_insurer_provisions(container: Container, actor: Actor) -> None:
    with pytest.raises(Forbidden):
        run(container, SAMPLE, actor)
    assert count(container, ProvisioningRun) == count(container, Patient) == 0
    with container.factory() as session:
        [denied] = session.scalars(select(AuditEvent))
    assert (denied.chain, denied.outcome, denied.actor_id) == (
        audit.GLOBAL_CHAIN, "denied", actor.subject_id)


def test_the_insurer_system_client_provisions_under_system_feed(container: Container) -> None:
    summary = run(container, SAMPLE, INSURER)
    assert summary.created == 10  # Hugo's father (demo) is not loaded here: unknown parent
    with container.factory() as session:
        bases = set(session.scalars(select(AuditEvent.legal_basis).where(
            AuditEvent.resource_kind == "space")))
        kinds = set(session.scalars(select(AuditEvent.actor_kind)))
    assert bases == {"system_feed"} and kinds == {"insurer"}


# -- letters for the print shop -----------------------------------------------------------------


def test_letters_are_batched_into_pdf_files_for_the_print_shop(demo: Container) -> None:
    run(demo, SAMPLE)  # three letters: Hélène, Nicolas, and Lucas's (to his mother)
    files = batch_letters(demo.factory, demo.settings, demo.clock, max_per_file=2)
    assert [len(pages_text(f.read_bytes())) for f in files] == [2, 1]  # one page a letter
    folder = demo.settings.data_dir / "letters"
    assert {f.parent for f in files} == {folder} and sorted(folder.iterdir()) == sorted(files)
    pages = [page for f in files for page in pages_text(f.read_bytes())]
    helene = next(page for page in pages if "HÉLÈNE MOREAU" in page)
    for text in ("Assurance Maladie — Espace Santé", "Votre espace santé est prêt",
                 "8 ALLÉE DES PINS\nAPPARTEMENT 12\n33000 BORDEAUX",
                 "Paris, le 22 novembre 2026", "jusqu'au 3 janvier 2027",
                 "http://127.0.0.1:8000/activer", "http://127.0.0.1:8000/opposition"):
        assert text in helene, text
    code = CODE.search(helene)
    assert code is not None
    patient_id = patient(demo, HELENE).id
    with demo.factory() as session:
        stored = session.scalar(select(ActivationCode.code_hash)
                                .where(ActivationCode.patient_id == patient_id))
    assert stored == code_hash(demo.settings.secret_key, patient_id, "".join(code.groups()))
    assert any("votre enfant Lucas LAURENT" in page and "SOPHIE LAURENT" in page
               for page in pages)
    assert count(demo, OutboxMessage, OutboxMessage.channel == "letter",
                 OutboxMessage.sent_at.is_(None)) == 0
    assert batch_letters(demo.factory, demo.settings, demo.clock) == []


def test_the_dispatcher_leaves_letters_to_the_print_shop(demo: Container) -> None:
    run(demo, SAMPLE)
    dispatch_pending(demo.factory, None, OutboxOnlySmsGateway(), now=demo.clock.now())
    assert count(demo, OutboxMessage, OutboxMessage.sent_at.is_(None),
                 OutboxMessage.channel != "letter") == 0
    assert count(demo, OutboxMessage, OutboxMessage.sent_at.is_(None)) >= 3
    assert count(demo, OutboxMessage, OutboxMessage.channel == "letter",
                 OutboxMessage.sent_at.is_not(None)) == 0
