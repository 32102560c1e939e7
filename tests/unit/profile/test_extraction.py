"""Which coded results of a document become measures, and how (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from espace_sante.accounts.dates import PARIS
from espace_sante.dossier.cda_results import LabResult
from espace_sante.dossier.codes import Category, Format, SourceKind, Status
from espace_sante.dossier.views import Author, DocumentView, Flags
from espace_sante.profile.codes import MeasureKind
from espace_sante.profile.extraction import act_instant, measures_of

NOW = datetime(2026, 11, 22, 9, tzinfo=UTC)
TAKEN = datetime(2026, 11, 20, 8, tzinfo=UTC)
DOCUMENT = DocumentView(
    id="doc-1", patient_id="space-1", title="Bilan", category=Category("biologie"),
    class_code="10", type_code="11502-2", type_display="CR d'examens biologiques",
    act_date=date(2026, 11, 19), author=Author("Laboratoire"), source=SourceKind.ORGANISATION,
    format=Format.CDA, size=1, sha256="0" * 64, status=Status.CURRENT, flags=Flags(),
    created_at=NOW, unique_id="urn:oid:1.2.3", deposited_by="client:labo")


def kinds(results: list[LabResult]) -> list[tuple[MeasureKind, float, str | None]]:
    return [(e.measure.type, e.measure.value, e.measure.unit)
            for e in measures_of(DOCUMENT, results, NOW)]


def test_only_the_five_types_are_taken_aliases_included() -> None:
    assert kinds([
        LabResult("3016-3", 1.95, "m[IU]/L", TAKEN),  # a TSH: not a measure of the profile
        LabResult("2339-0", 1.1, "g/L", TAKEN),  # glucose in blood: an alias of 2345-7
        LabResult("4548-4", 6.8, "%", TAKEN),
        LabResult("9843-4", 35, "cm", TAKEN),
        LabResult("8867-4", 70, "/min", TAKEN),  # a heart rate: a measure, not extracted
    ]) == [(MeasureKind.GLYCAEMIA, 1.1, "g/L"), (MeasureKind.HBA1C, 6.8, "%"),
           (MeasureKind.HEAD_CIRCUMFERENCE, 35, "cm")]


def test_refused_values_are_skipped_and_a_units_case_forgiven() -> None:
    assert kinds([
        LabResult("2345-7", 105, "mg/dl", TAKEN),  # UCUM says mg/dL
        LabResult("29463-7", 700, "kg", TAKEN),  # implausible
        LabResult("8302-2", 170, "furlong", TAKEN),  # unknown unit
        LabResult("4548-4", 6.8, "%", datetime(2027, 1, 1, tzinfo=UTC)),  # in the future
    ]) == [(MeasureKind.GLYCAEMIA, 105, "mg/dL")]


def test_a_repeated_value_is_one_measure_and_every_one_names_the_document() -> None:
    entries = measures_of(DOCUMENT, [LabResult("29463-7", 55, "kg", TAKEN),
                                     LabResult("29463-7", 55000, "g", TAKEN)], NOW)
    [entry] = entries
    assert (entry.patient_id, entry.measure.source_document_id) == ("space-1", "doc-1")
    assert entry.measure.source is not None and entry.measure.source.value == "document"


def test_a_result_without_time_takes_the_act_date_at_midnight_in_paris() -> None:
    [entry] = measures_of(DOCUMENT, [LabResult("4548-4", 7.0, "%", None)], NOW)
    assert entry.measure.effective_at == datetime(2026, 11, 19, tzinfo=PARIS)
    undated = DocumentView(**{**DOCUMENT.__dict__, "act_date": None})
    assert act_instant(undated) == NOW
