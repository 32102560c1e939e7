"""The access policy, checked as a table: every resource × action × actor kind."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from espace_sante.core.actors import Actor, ActorKind, LegalBasis, system_actor
from espace_sante.core.policy import RULES, Action, Resource, decide

PID = "11111111-1111-1111-1111-111111111111"
OTHER = "22222222-2222-2222-2222-222222222222"

# The natural basis of each actor kind for a space it is linked to.
NATURAL = {
    ActorKind.PATIENT: LegalBasis.OWN_SPACE,
    ActorKind.LEGAL_REPRESENTATIVE: LegalBasis.LEGAL_REPRESENTATION,
    ActorKind.CAREGIVER: LegalBasis.CAREGIVER_DELEGATION,
    ActorKind.PROFESSIONAL: LegalBasis.MEDECIN_TRAITANT,
    ActorKind.INSTITUTION: LegalBasis.SYSTEM_FEED,
    ActorKind.INSURER: LegalBasis.SYSTEM_FEED,
    ActorKind.APP: LegalBasis.APP_CONSENT,
    ActorKind.OPERATOR: LegalBasis.OPERATOR_MANDATE,
    ActorKind.COMMISSION: LegalBasis.OPERATOR_MANDATE,
    ActorKind.SYSTEM: LegalBasis.SYSTEM_JOB,
    ActorKind.ANONYMOUS: None,
}

WIDEST = frozenset({"patient/*.cruds", "system/*.cruds"})

# Y = allowed on the natural basis, . = refused. Columns follow COLUMNS.
COLUMNS = (
    "patient",
    "legal_representative",
    "caregiver",
    "professional",
    "institution",
    "insurer",
    "app",
    "operator",
    "commission",
    "system",
    "anonymous",
)
TABLE = """
patient         read     Y Y Y Y Y . Y . . Y .
patient         search   Y Y Y Y Y . Y . . Y .
patient         create   . . . . . . . . . . .
patient         update   Y Y . . . . . . . . .
patient         delete   . . . . . . . . . . .
patient         export   . . . . . . . . . . .
space_summary   read     Y Y Y . . . . . . . .
space_summary   search   . . . . . . . . . . .
space_summary   create   . . . . . . . . . . .
space_summary   update   . . . . . . . . . . .
space_summary   delete   . . . . . . . . . . .
space_summary   export   . . . . . . . . . . .
access_history  read     Y Y . . . . . . . . .
access_history  search   . . . . . . . . . . .
access_history  create   . . . . . . . . . . .
access_history  update   . . . . . . . . . . .
access_history  delete   . . . . . . . . . . .
access_history  export   Y Y . . . . . . . . .
space           read     Y Y . . . . . . . . .
space           search   . . . . . . . . . . .
space           create   . . . . . . . . . . .
space           update   Y Y . . . . . . . . .
space           delete   Y Y . . . . . . . Y .
space           export   . . . . . . . . . . .
delegation      read     Y Y . . . . . . . . .
delegation      search   . . . . . . . . . . .
delegation      create   Y Y . . . . . . . . .
delegation      update   . . . . . . . . . . .
delegation      delete   Y Y . . . . . . . Y .
delegation      export   . . . . . . . . . . .
own_delegation  read     . . Y . . . . . . . .
own_delegation  search   . . . . . . . . . . .
own_delegation  create   . . . . . . . . . . .
own_delegation  update   . . . . . . . . . . .
own_delegation  delete   . . Y . . . . . . . .
own_delegation  export   . . . . . . . . . . .
document        read     Y Y Y Y Y . Y . . . .
document        search   Y Y Y Y Y . Y . . . .
document        create   Y Y Y Y Y . Y . . . .
document        update   Y Y Y . . . . . . . .
document        delete   Y Y . Y Y . . . . . .
document        export   . . . . . . . . . . .
document_content read    . . . . . . . . . . .
document_content search  . . . . . . . . . . .
document_content create  . . . . . . . . . . .
document_content update  . . . . . . . . . . .
document_content delete  . . . . . . . . . . .
document_content export  Y Y . Y Y . Y . . . .
folder          read     Y Y Y . . . . . . . .
folder          search   . . . . . . . . . . .
folder          create   Y Y Y . . . . . . . .
folder          update   . . . . . . . . . . .
folder          delete   Y Y . . . . . . . . .
folder          export   . . . . . . . . . . .
profile         read     Y Y Y Y . . . . . . .
profile         search   Y Y Y Y . . . . . . .
profile         create   Y Y Y Y . . . . . . .
profile         update   Y Y Y . . . . . . . .
profile         delete   Y Y . Y . . . . . . .
profile         export   Y Y . . . . . . . . .
measure         read     Y Y Y Y Y . Y . . . .
measure         search   Y Y Y Y Y . Y . . . .
measure         create   Y Y Y Y Y . Y . . Y .
measure         update   . . . . . . . . . . .
measure         delete   Y Y . Y Y . . . . Y .
measure         export   . . . . . . . . . . .
"""


def _actor(
    kind: ActorKind, basis: LegalBasis | None, scopes: frozenset[str] = frozenset()
) -> Actor:
    # Persons are one account kind: the role they act in comes from their basis.
    account_kind = (
        ActorKind.PATIENT if kind in (ActorKind.LEGAL_REPRESENTATIVE, ActorKind.CAREGIVER) else kind
    )
    grants = {PID: basis} if basis else {}
    return Actor(
        kind=account_kind,
        subject_id="x",
        display_name="x",
        grants=MappingProxyType(grants),
        scopes=scopes,
    )


def _cases() -> list[tuple[Resource, Action, ActorKind, bool]]:
    cases = []
    for line in TABLE.strip().splitlines():
        resource, action, *cells = line.split()
        for column, cell in zip(COLUMNS, cells, strict=True):
            cases.append((Resource(resource), Action(action), ActorKind(column), cell == "Y"))
    return cases


def test_table_covers_every_resource_action_and_actor_kind() -> None:
    covered = {(r, a, k) for r, a, k, _ in _cases()}
    assert covered == {(r, a, k) for r in Resource for a in Action for k in ActorKind}


@pytest.mark.parametrize(("resource", "action", "kind", "allowed"), _cases())
def test_decision_matches_table(
    resource: Resource, action: Action, kind: ActorKind, allowed: bool
) -> None:
    scopes = WIDEST  # the widest scopes, so the basis decides
    decision = decide(_actor(kind, NATURAL[kind], scopes), action, resource, PID)
    assert decision.allowed is allowed, decision.reason


@pytest.mark.parametrize("kind", list(ActorKind))
@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.resource}-{r.action}-{r.actor}")
def test_no_rule_reaches_another_space(kind: ActorKind, rule: object) -> None:
    """Whatever the rule, an actor linked to one space gets nothing from another."""
    for resource in Resource:
        for action in Action:
            actor = _actor(kind, NATURAL[kind], WIDEST)
            if actor.default_basis is None:
                assert not decide(actor, action, resource, OTHER).allowed


def test_institutions_feed_any_space_identified_by_ins() -> None:
    hospital = Actor(
        kind=ActorKind.INSTITUTION,
        subject_id="client:h",
        display_name="CH",
        default_basis=LegalBasis.SYSTEM_FEED,
        scopes=frozenset({"system/Patient.rs"}),
    )
    assert decide(hospital, Action.READ, Resource.PATIENT, OTHER).allowed
    assert not decide(hospital, Action.READ, Resource.ACCESS_HISTORY, OTHER).allowed


def test_professional_bases() -> None:
    for basis in (
        LegalBasis.MEDECIN_TRAITANT,
        LegalBasis.ADMINISTRATOR,
        LegalBasis.PATIENT_CONSENT,
        LegalBasis.EMERGENCY,
    ):
        assert decide(
            _actor(ActorKind.PROFESSIONAL, basis), Action.READ, Resource.PATIENT, PID
        ).allowed
    assert not decide(
        _actor(ActorKind.PROFESSIONAL, LegalBasis.OWN_SPACE), Action.READ, Resource.PATIENT, PID
    ).allowed


def test_app_scopes_only_narrow() -> None:
    read_only = _actor(ActorKind.APP, LegalBasis.APP_CONSENT, frozenset({"patient/Patient.r"}))
    assert decide(read_only, Action.READ, Resource.PATIENT, PID).allowed
    assert not decide(read_only, Action.SEARCH, Resource.PATIENT, PID).allowed
    no_scope = _actor(ActorKind.APP, LegalBasis.APP_CONSENT)
    assert not decide(no_scope, Action.READ, Resource.PATIENT, PID).allowed
    # A scope never grants what the basis does not: the widest scope still cannot update.
    wide = _actor(ActorKind.APP, LegalBasis.APP_CONSENT, frozenset({"patient/*.cruds"}))
    assert not decide(wide, Action.UPDATE, Resource.PATIENT, PID).allowed
    other_type = _actor(
        ActorKind.APP, LegalBasis.APP_CONSENT, frozenset({"patient/Observation.rs"})
    )
    assert not decide(other_type, Action.READ, Resource.PATIENT, PID).allowed


def test_measures_need_the_observation_scope() -> None:
    reader = _actor(ActorKind.APP, LegalBasis.APP_CONSENT, frozenset({"patient/Observation.rs"}))
    assert decide(reader, Action.SEARCH, Resource.MEASURE, PID).allowed
    assert not decide(reader, Action.CREATE, Resource.MEASURE, PID).allowed
    documents_only = _actor(ActorKind.APP, LegalBasis.APP_CONSENT,
                            frozenset({"patient/DocumentReference.crs"}))
    assert not decide(documents_only, Action.READ, Resource.MEASURE, PID).allowed
    # No scope opens the profile's sections to an app.
    assert not decide(_actor(ActorKind.APP, LegalBasis.APP_CONSENT, WIDEST), Action.READ,
                      Resource.PROFILE, PID).allowed


def test_the_extraction_job_writes_measures_and_reads_nothing() -> None:
    """The job that turns a document's results into measures creates them, and retires
    its own when the document is replaced; it reads no document, measure or profile."""
    job = system_actor("extraction")
    assert decide(job, Action.CREATE, Resource.MEASURE, OTHER).allowed
    assert decide(job, Action.DELETE, Resource.MEASURE, OTHER).allowed
    for resource in (Resource.MEASURE, Resource.DOCUMENT, Resource.PROFILE):
        for action in (Action.READ, Action.SEARCH):
            assert not decide(job, action, resource, OTHER).allowed
    assert not decide(job, Action.EXPORT, Resource.DOCUMENT_CONTENT, OTHER).allowed


def test_institution_scopes_narrow() -> None:
    def hospital(*scopes: str) -> Actor:
        return Actor(kind=ActorKind.INSTITUTION, subject_id="client:h", display_name="CH",
                     default_basis=LegalBasis.SYSTEM_FEED, scopes=frozenset(scopes))

    assert decide(hospital("system/Patient.rs"), Action.READ, Resource.PATIENT, OTHER).allowed
    assert not decide(hospital("system/Patient.s"), Action.READ, Resource.PATIENT, OTHER).allowed
    assert decide(hospital("system/Patient.s"), Action.SEARCH, Resource.PATIENT, OTHER).allowed
    # A patient-context scope is not a system scope.
    assert not decide(hospital("patient/Patient.rs"), Action.READ, Resource.PATIENT,
                      OTHER).allowed


def test_insurer_never_reads_health_data() -> None:
    insurer = Actor(kind=ActorKind.INSURER, subject_id="client:cnam", display_name="CNAM",
                    default_basis=LegalBasis.SYSTEM_FEED, scopes=WIDEST)
    for resource in Resource:
        for action in Action:
            assert not decide(insurer, action, resource, OTHER).allowed


# On a closed space, what the holder (own space) and a representative may still do: Y.
# Everything else is refused, whatever the table above allows.
CLOSED_TABLE = """
patient         read     Y Y
patient         search   Y Y
space           read     Y Y
space           update   Y Y
space           delete   Y Y
access_history  read     Y Y
access_history  export   . .
space_summary   read     . .
delegation      read     . .
delegation      create   . .
delegation      delete   . .
patient         update   . .
"""


def _closed(kind: ActorKind) -> Actor:
    actor = _actor(kind, NATURAL[kind])
    return Actor(kind=actor.kind, subject_id="x", display_name="x", grants=actor.grants,
                 closed_spaces=frozenset({PID}))


@pytest.mark.parametrize("line", CLOSED_TABLE.strip().splitlines())
def test_a_closed_space_only_lets_its_holders_manage_its_closure(line: str) -> None:
    resource, action, *cells = line.split()
    for kind, cell in zip((ActorKind.PATIENT, ActorKind.LEGAL_REPRESENTATIVE), cells,
                          strict=True):
        decision = decide(_closed(kind), Action(action), Resource(resource), PID)
        assert decision.allowed is (cell == "Y"), (kind, decision.reason)
        if cell != "Y":
            assert decision.reason in ("space closed", "no rule for this actor kind")


def test_closing_one_space_leaves_the_others_open() -> None:
    actor = Actor(kind=ActorKind.PATIENT, subject_id="x", display_name="x",
                  grants=MappingProxyType({PID: LegalBasis.OWN_SPACE,
                                           OTHER: LegalBasis.LEGAL_REPRESENTATION}),
                  closed_spaces=frozenset({PID}))
    assert not decide(actor, Action.READ, Resource.SPACE_SUMMARY, PID).allowed
    assert decide(actor, Action.READ, Resource.SPACE_SUMMARY, OTHER).allowed


def test_only_the_purge_job_deletes_a_space_for_the_service() -> None:
    job = Actor(kind=ActorKind.SYSTEM, subject_id="job:purge", display_name="purge",
                default_basis=LegalBasis.SYSTEM_JOB)
    assert decide(job, Action.DELETE, Resource.SPACE, OTHER).allowed
    assert not decide(job, Action.UPDATE, Resource.SPACE, OTHER).allowed
    assert not decide(job, Action.READ, Resource.ACCESS_HISTORY, OTHER).allowed
