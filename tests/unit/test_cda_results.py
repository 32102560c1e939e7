"""Coded results of a structured CDA: LOINC + physical quantity, unit and time kept;
narrative-only documents, coded values that are not quantities and cancelled
observations give nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from espace_sante.core.errors import UnsupportedContent
from espace_sante.dossier.cda_results import LabResult, read
from tests.shared_data import CDA

PARIS = ZoneInfo("Europe/Paris")


def cda(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "doc.xml"
    path.write_text(
        '<ClinicalDocument xmlns="urn:hl7-org:v3" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><component><structuredBody>'
        f"<component><section><entry>{body}</entry></section></component>"
        "</structuredBody></component></ClinicalDocument>", encoding="utf-8")
    return path


def obs(code: str, value: str, *, status: str = "completed", time: str = "20260301083000",
        system: str = "2.16.840.1.113883.6.1") -> str:
    return (f'<observation classCode="OBS" moodCode="EVN"><code code="{code}" '
            f'codeSystem="{system}"/><statusCode code="{status}"/>'
            f'<effectiveTime value="{time}"/>{value}</observation>')


def test_the_cisis_examples_give_their_quantities() -> None:
    bio = read(CDA / "BIO-CR-BIO_2024.01_TSH_1.xml")
    assert [(r.loinc, r.value, r.unit) for r in bio] == [
        ("3016-3", 1.95, "m[IU]/L"), ("3024-7", 7.67, "pg/mL")]
    assert read(CDA / "DOC_NON_STRUCTURE_CDA-R2-N1.xml") == ()
    assert read(CDA / "VAC_2023.01.xml") == ()  # coded, but no quantity


def test_an_organizer_of_results_with_intervals_and_ranges(tmp_path: Path) -> None:
    body = ('<organizer classCode="BATTERY" moodCode="EVN"><component>'
            + obs("4548-4", '<value xsi:type="PQ" value="6.8" unit="%"/>'
                  '<referenceRange><observationRange><value xsi:type="IVL_PQ">'
                  '<low value="4" unit="%"/></value></observationRange></referenceRange>')
            + "</component><component>"
            + obs("2339-0", '<value xsi:type="PQ" value="1,2" unit="g/L"/>')  # not a number
            + "</component><component>"
            + obs("2345-7", '<value xsi:type="PQ" value="5.4" unit="mmol/L"/>',
                  status="cancelled")
            + "</component><component>"
            + obs("14749-6", '<value xsi:type="PQ" value="5.1" unit="mmol/L"/>',
                  system="1.2.3")  # not LOINC
            + "</component></organizer>")
    assert read(cda(tmp_path, body)) == (
        LabResult("4548-4", 6.8, "%", datetime(2026, 3, 1, 8, 30, tzinfo=PARIS)),)


def test_a_result_with_an_interval_time_takes_its_start(tmp_path: Path) -> None:
    body = ('<observation classCode="OBS" moodCode="EVN"><code code="29463-7" '
            'codeSystem="2.16.840.1.113883.6.1"/><effectiveTime><low value="20251201"/>'
            '</effectiveTime><value xsi:type="PQ" value="12.5" unit="kg"/></observation>')
    (result,) = read(cda(tmp_path, body))
    assert result.effective_at == datetime(2025, 12, 1, tzinfo=PARIS)


def test_a_doctype_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_text('<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                    '<ClinicalDocument xmlns="urn:hl7-org:v3"/>', encoding="utf-8")
    with pytest.raises(UnsupportedContent):
        read(path)
