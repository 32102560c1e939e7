"""The access policy: one declared registry of actions × resource kinds × actor kinds.

Every decision about health data goes through ``decide``; repositories call it, routes
never do. A rule names the actor kind, the legal bases under which it applies and, for
apps, the SMART scope that must also be granted: scopes only ever *narrow* what the basis
allows. Anything not declared here is refused. ``docs/access-model.md`` shows the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from espace_sante.core.actors import Actor, ActorKind, LegalBasis


class Action(StrEnum):
    READ = "read"
    SEARCH = "search"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"


class Resource(StrEnum):
    PATIENT = "patient"  # identity (INS traits) and contact details of a space
    SPACE_SUMMARY = "space_summary"  # the home page's counts
    ACCESS_HISTORY = "access_history"  # the space's audit trail, as shown to the patient
    SPACE = "space"  # the space's lifecycle: close, reopen, ask for deletion
    DELEGATION = "delegation"  # who acts for the space: representatives, caregivers
    OWN_DELEGATION = "own_delegation"  # the actor's own link to a space he helps with
    DOCUMENT = "document"  # a document of the dossier: metadata, preview, history
    DOCUMENT_CONTENT = "document_content"  # a document's file, downloaded as such
    FOLDER = "folder"  # the patient's own folders of documents
    PROFILE = "profile"  # the profil médical's sections and entries, and its settings
    MEASURE = "measure"  # measures (weight, blood pressure, glycaemia…) and their history


@dataclass(frozen=True)
class Rule:
    resource: Resource
    action: Action
    actor: ActorKind
    bases: frozenset[LegalBasis]
    scope: str | None = None  # SMART v2 scope a token must hold, e.g. "patient/Patient.r"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: LegalBasis | None
    reason: str


B = LegalBasis
_OWNERS = {
    ActorKind.PATIENT: frozenset({B.OWN_SPACE}),
    ActorKind.LEGAL_REPRESENTATIVE: frozenset({B.LEGAL_REPRESENTATION}),
}
_CARERS = frozenset({B.MEDECIN_TRAITANT, B.ADMINISTRATOR, B.PATIENT_CONSENT, B.EMERGENCY})
_JOB = frozenset({B.SYSTEM_JOB})


def _rules_for(
    resource: Resource,
    action: Action,
    table: dict[ActorKind, frozenset[LegalBasis]],
    scope: str | None = None,
) -> list[Rule]:
    return [
        Rule(resource, action, kind, bases, _scope_for(kind, scope))
        for kind, bases in table.items()
    ]


# Software acts with a token whose SMART scopes narrow what its basis allows: an app for
# one patient ("patient/…"), an institution's system for any space it feeds ("system/…").
_SCOPE_CONTEXT = {ActorKind.APP: "patient", ActorKind.INSTITUTION: "system"}


def _scope_for(kind: ActorKind, scope: str | None) -> str | None:
    context = _SCOPE_CONTEXT.get(kind)
    return f"{context}/{scope}" if context and scope else None


def _identity_readers() -> dict[ActorKind, frozenset[LegalBasis]]:
    return {
        **_OWNERS,
        # Why: a caregiver acts in the patient's stead and must know whom he helps.
        ActorKind.CAREGIVER: frozenset({B.CAREGIVER_DELEGATION}),
        ActorKind.PROFESSIONAL: _CARERS,
        # Why: hospitals and labs must identify a patient by INS before feeding the record;
        # identity traits are not medical data.
        ActorKind.INSTITUTION: frozenset({B.SYSTEM_FEED}),
        ActorKind.APP: frozenset({B.APP_CONSENT}),
        ActorKind.SYSTEM: frozenset({B.SYSTEM_JOB}),
    }


def _helpers() -> dict[ActorKind, frozenset[LegalBasis]]:
    return {ActorKind.CAREGIVER: frozenset({B.CAREGIVER_DELEGATION})}


def _document_readers() -> dict[ActorKind, frozenset[LegalBasis]]:
    # Which documents each one sees (confidentiality flags, masked documents, an
    # institution's own deposits) is the dossier repository's filter, on top of this.
    return {**_OWNERS, **_helpers(), ActorKind.PROFESSIONAL: _CARERS,
            ActorKind.INSTITUTION: frozenset({B.SYSTEM_FEED}),
            ActorKind.APP: frozenset({B.APP_CONSENT})}


def _document_writers() -> dict[ActorKind, frozenset[LegalBasis]]:
    return _document_readers()


def _document_editors() -> dict[ActorKind, frozenset[LegalBasis]]:
    """Rename, recategorise, file in a folder, mask or unmask: the patient's own
    organisation of his record; caregivers may edit data (DOMAIN.md)."""
    return {**_OWNERS, **_helpers()}


def _document_deleters() -> dict[ActorKind, frozenset[LegalBasis]]:
    # Why no caregiver: caregivers cannot delete data. Professionals and institutions
    # delete only what they deposited (checked by the repository).
    return {**_OWNERS, ActorKind.PROFESSIONAL: _CARERS,
            ActorKind.INSTITUTION: frozenset({B.SYSTEM_FEED})}


def _content_downloaders() -> dict[ActorKind, frozenset[LegalBasis]]:
    # Why no caregiver: caregivers read in the space (preview) but cannot download data.
    readers = _document_readers()
    del readers[ActorKind.CAREGIVER]
    return readers


def _profile_readers() -> dict[ActorKind, frozenset[LegalBasis]]:
    # Why no app and no institution: the sections map to many FHIR types (allergies,
    # conditions, medications, immunizations…) that no single SMART scope names, and the
    # catalogue's purposes are documents, measures, agenda and messaging (DOMAIN.md).
    return {**_OWNERS, **_helpers(), ActorKind.PROFESSIONAL: _CARERS}


def _profile_writers() -> dict[ActorKind, frozenset[LegalBasis]]:
    # Professionals add entries (source "professional"); they do not rewrite the patient's.
    return _profile_readers()


def _profile_deleters() -> dict[ActorKind, frozenset[LegalBasis]]:
    # Why no caregiver: caregivers cannot delete data. Professionals delete only what they
    # wrote (checked by the repository).
    return {**_OWNERS, ActorKind.PROFESSIONAL: _CARERS}


def _measure_readers() -> dict[ActorKind, frozenset[LegalBasis]]:
    # An institution sees only the measures it sent (its read-back), like its documents;
    # an app with the patient's consent reads them (scope Observation).
    return {**_profile_readers(), ActorKind.INSTITUTION: frozenset({B.SYSTEM_FEED}),
            ActorKind.APP: frozenset({B.APP_CONSENT})}


def _measure_writers() -> dict[ActorKind, frozenset[LegalBasis]]:
    # Why the system: the extraction job turns the coded results of a document entering
    # the dossier into measures (DOMAIN.md: glycaemia, HbA1c, height, weight, head
    # circumference, unless the patient opts out). It writes as itself rather than with the
    # depositor's rights: a hospital pushing documents may hold no Observation scope, and
    # the trail must say the values were read from a document by us, not sent as measures.
    return {**_measure_readers(), ActorKind.SYSTEM: _JOB}


def _measure_deleters() -> dict[ActorKind, frozenset[LegalBasis]]:
    # Professionals and institutions delete only what they recorded (the repository).
    # Why the system: when a document is replaced by a new version, the extraction job
    # retires the values it extracted from the old one (its own only, checked by the use
    # case), so that no value is counted twice.
    return {**_profile_deleters(), ActorKind.INSTITUTION: frozenset({B.SYSTEM_FEED}),
            ActorKind.SYSTEM: _JOB}


RULES: tuple[Rule, ...] = (
    *_rules_for(Resource.PATIENT, Action.READ, _identity_readers(), "Patient.r"),
    *_rules_for(Resource.PATIENT, Action.SEARCH, _identity_readers(), "Patient.s"),
    *_rules_for(Resource.PATIENT, Action.UPDATE, dict(_OWNERS)),
    *_rules_for(
        Resource.SPACE_SUMMARY,
        Action.READ,
        {**_OWNERS, ActorKind.CAREGIVER: frozenset({B.CAREGIVER_DELEGATION})},
    ),
    # Why no caregiver: managing who sees the space stays with the patient and his
    # representatives (DOMAIN: caregivers cannot manage access).
    *_rules_for(Resource.ACCESS_HISTORY, Action.READ, dict(_OWNERS)),
    *_rules_for(Resource.ACCESS_HISTORY, Action.EXPORT, dict(_OWNERS)),
    # Why no caregiver: a caregiver cannot close the space, delete it, nor manage who
    # else acts for it (DOMAIN.md, proches aidants).
    *_rules_for(Resource.SPACE, Action.READ, dict(_OWNERS)),
    *_rules_for(Resource.SPACE, Action.UPDATE, dict(_OWNERS)),
    # Why the system: the retention purge deletes a closed space when its archive period
    # (10 years) or the delay of a deletion request ends (code de la santé publique R1111-36).
    *_rules_for(Resource.SPACE, Action.DELETE, {**_OWNERS, ActorKind.SYSTEM: _JOB}),
    *_rules_for(Resource.DELEGATION, Action.READ, dict(_OWNERS)),
    *_rules_for(Resource.DELEGATION, Action.CREATE, dict(_OWNERS)),
    # Why the system: at 18 the space passes to its holder; the job ends the parents' and
    # guardians' representation.
    *_rules_for(Resource.DELEGATION, Action.DELETE, {**_OWNERS, ActorKind.SYSTEM: _JOB}),
    # Why: a caregiver sees his own help (its end date) and may stop it at any time; the
    # repository only ever reaches the actor's own delegation, never another one.
    *_rules_for(Resource.OWN_DELEGATION, Action.READ, _helpers()),
    *_rules_for(Resource.OWN_DELEGATION, Action.DELETE, _helpers()),
    *_rules_for(Resource.DOCUMENT, Action.READ, _document_readers(), "DocumentReference.r"),
    *_rules_for(Resource.DOCUMENT, Action.SEARCH, _document_readers(), "DocumentReference.s"),
    *_rules_for(Resource.DOCUMENT, Action.CREATE, _document_writers(), "DocumentReference.c"),
    *_rules_for(Resource.DOCUMENT, Action.UPDATE, _document_editors()),
    *_rules_for(Resource.DOCUMENT, Action.DELETE, _document_deleters(), "DocumentReference.d"),
    *_rules_for(Resource.DOCUMENT_CONTENT, Action.EXPORT, _content_downloaders(), "Binary.r"),
    *_rules_for(Resource.FOLDER, Action.READ, _document_editors()),
    *_rules_for(Resource.FOLDER, Action.CREATE, _document_editors()),
    *_rules_for(Resource.FOLDER, Action.DELETE, dict(_OWNERS)),
    *_rules_for(Resource.PROFILE, Action.READ, _profile_readers()),
    *_rules_for(Resource.PROFILE, Action.SEARCH, _profile_readers()),
    *_rules_for(Resource.PROFILE, Action.CREATE, _profile_writers()),
    # Editing entries and the settings (HbA1c target, extraction opt-out) is the patient's
    # own organisation of his profile; caregivers may edit data (DOMAIN.md).
    *_rules_for(Resource.PROFILE, Action.UPDATE, _document_editors()),
    *_rules_for(Resource.PROFILE, Action.DELETE, _profile_deleters()),
    # Why only the holders: the PDF handed to a carer is a download, which caregivers
    # may not do.
    *_rules_for(Resource.PROFILE, Action.EXPORT, dict(_OWNERS)),
    *_rules_for(Resource.MEASURE, Action.READ, _measure_readers(), "Observation.r"),
    *_rules_for(Resource.MEASURE, Action.SEARCH, _measure_readers(), "Observation.s"),
    *_rules_for(Resource.MEASURE, Action.CREATE, _measure_writers(), "Observation.c"),
    # No update: a wrong measure is deleted (it stays in the history) and typed again.
    *_rules_for(Resource.MEASURE, Action.DELETE, _measure_deleters(), "Observation.d"),
)

# A closed space is archived, not erased: its data stays whole so that reopening restores
# it, but nobody reaches it any more except its holder and legal representatives, to see
# its state and its access history, reopen it or ask for its deletion. The rules above
# still apply; on a closed space only these (resource, action) pairs remain, on these bases.
_HOLDERS = frozenset({B.OWN_SPACE, B.LEGAL_REPRESENTATION})
CLOSED_SPACE: dict[tuple[Resource, Action], frozenset[LegalBasis]] = {
    (Resource.PATIENT, Action.READ): _HOLDERS,
    (Resource.PATIENT, Action.SEARCH): _HOLDERS,
    (Resource.SPACE, Action.READ): _HOLDERS,
    (Resource.SPACE, Action.UPDATE): _HOLDERS,
    (Resource.SPACE, Action.DELETE): _HOLDERS | _JOB,
    (Resource.ACCESS_HISTORY, Action.READ): _HOLDERS,
}

_INDEX: dict[tuple[Resource, Action, ActorKind], Rule] = {
    (r.resource, r.action, r.actor): r for r in RULES
}


def rule_for(resource: Resource, action: Action, actor: ActorKind) -> Rule | None:
    return _INDEX.get((resource, action, actor))


def decide(actor: Actor, action: Action, resource: Resource, patient_id: str) -> Decision:
    """The single chokepoint: may ``actor`` do ``action`` on ``resource`` of this space?"""
    basis = actor.basis_for(patient_id)
    rule = rule_for(resource, action, acting_kind(actor.kind, basis))
    if rule is None:
        return Decision(False, basis, "no rule for this actor kind")
    if basis is None or basis not in rule.bases:
        return Decision(False, basis, "no legal basis for this space")
    if rule.scope is not None and not _scope_granted(rule.scope, actor.scopes):
        return Decision(False, basis, f"scope {rule.scope} not granted")
    if patient_id in actor.closed_spaces and basis not in CLOSED_SPACE.get(
        (resource, action), frozenset()
    ):
        return Decision(False, basis, "space closed")
    return Decision(True, basis, "allowed")


_PERSON_KINDS = {
    LegalBasis.OWN_SPACE: ActorKind.PATIENT,
    LegalBasis.LEGAL_REPRESENTATION: ActorKind.LEGAL_REPRESENTATIVE,
    LegalBasis.CAREGIVER_DELEGATION: ActorKind.CAREGIVER,
}


def acting_kind(kind: ActorKind, basis: LegalBasis | None) -> ActorKind:
    """One person has one account: owner of his own space, representative or caregiver of
    others. The role he acts in is the one his basis for *this* space gives him."""
    if kind is ActorKind.PATIENT and basis is not None:
        return _PERSON_KINDS.get(basis, kind)
    return kind


def _scope_granted(required: str, granted: frozenset[str]) -> bool:
    """SMART v2 scopes: ``patient/Patient.rs`` grants ``.r`` and ``.s``; ``*`` any type."""
    context, _, rest = required.partition("/")
    rtype, _, perm = rest.partition(".")
    for scope in granted:
        g_context, _, g_rest = scope.partition("/")
        g_type, _, g_perms = g_rest.partition(".")
        if g_context == context and g_type in (rtype, "*") and set(perm) <= set(g_perms):
            return True
    return False


def markdown_table() -> str:
    """The registry as the tables of docs/access-model.md (a test keeps them equal)."""
    lines = ["| resource | action | actor | legal bases | SMART scope (apps) |",
             "|---|---|---|---|---|"]
    for r in RULES:
        scope = f"`{r.scope}`" if r.scope else ""
        lines.append(f"| `{r.resource.value}` | `{r.action.value}` | `{r.actor.value}` | "
                     f"{_bases(r.bases)} | {scope} |")
    lines += ["", "On a closed space, only:", "",
              "| resource · action | legal bases |", "|---|---|"]
    for (resource, action), bases in CLOSED_SPACE.items():
        lines.append(f"| `{resource.value}` · `{action.value}` | {_bases(bases)} |")
    return "\n".join(lines)


def _bases(bases: frozenset[LegalBasis]) -> str:
    return ", ".join(f"`{b.value}`" for b in sorted(bases))


if __name__ == "__main__":
    print(markdown_table())
