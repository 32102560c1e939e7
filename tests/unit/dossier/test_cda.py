from __future__ import annotations

import base64
import io
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from markupsafe import escape

from espace_sante.core.errors import InvalidInput, TooLarge, UnsupportedContent
from espace_sante.dossier import cda, cda_embedded, cda_render
from espace_sante.dossier.codes import Confidentiality, Format
from tests.shared_data import CDA

# tests/unit/dossier/ → the repository root is three levels up; the data sits beside it.
DATA = CDA
SAMPLES = sorted(DATA.glob("*.xml"))
EXPECTED_TYPES = {
    "BIO-CR-BIO": "11502-2", "CNAM-HR": "REMB", "DOC_NON_STRUCTURE": "11502-2",
    "IMG_CR_IMG": "18748-4", "LDL-SES": "11490-0", "VAC": "11369-6", "VSM": "SYNTH",
    "eP-MED-DM": "57833-6",
}
LEVEL_ONE = {"DOC_NON_STRUCTURE_CDA-R2-N1.xml", "IMG_CR_IMG_2024.01_CDA-R2-Niveau-1.xml"}
PASSWD = Path("/etc/passwd").read_text()[:30] if Path("/etc/passwd").exists() else "root:"


def expected_type(sample: Path) -> str:
    prefix = next(p for p in EXPECTED_TYPES if sample.name.startswith(p + "_"))
    return EXPECTED_TYPES[prefix]


def header(**fields: str) -> str:
    values = {"effective": "20240115103000+0100", "confidentiality": "N",
              "ins_root": "1.2.250.1.213.1.4.8", "author_id": "810001234567", **fields}
    return f"""<ClinicalDocument xmlns="urn:hl7-org:v3">
  <id root="1.2.3.4" extension="DOC-1"/>
  <code code="11488-4" codeSystem="2.16.840.1.113883.6.1" displayName="CR de consultation"/>
  <title>Consultation du 15 janvier</title>
  <effectiveTime value="{values["effective"]}"/>
  <confidentialityCode code="{values["confidentiality"]}"/>
  <recordTarget><patientRole>
    <id root="{values["ins_root"]}" extension="279035121518989"/>
    <patient><name><family qualifier="BR">DUPONT</family><given>Marie Anne</given></name>
      <birthTime value="19790328"/></patient>
  </patientRole></recordTarget>
  <author><time value="20240115"/><assignedAuthor>
    <id root="1.2.250.1.71.4.2.1" extension="{values["author_id"]}"/>
    <code displayName="Médecin - Cardiologie"/>
    <assignedPerson><name><prefix>Dr</prefix><given>Paul</given><family>MARTIN</family>
    </name></assignedPerson>
    <representedOrganization><id extension="750000001"/><name>Cabinet Martin</name>
    </representedOrganization>
  </assignedAuthor></author>"""


def structured(narrative: str, **fields: str) -> str:
    return (header(**fields) + "<component><structuredBody><component><section>"
            f"<code code='11348-0'/><title>Antécédents</title><text>{narrative}</text>"
            "</section></component></structuredBody></component></ClinicalDocument>")


def level_one(payload: str, representation: str = "B64") -> str:
    return (header() + "<component><nonXMLBody><text mediaType='application/pdf' "
            f"representation='{representation}'>{payload}</text></nonXMLBody></component>"
            "</ClinicalDocument>")


def write(tmp_path: Path, text: str, name: str = "doc.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the agency's examples --------------------------------------------------------------


def test_all_eight_examples_are_there() -> None:
    assert [expected_type(s) for s in SAMPLES] == [
        "11502-2", "REMB", "11502-2", "18748-4", "11490-0", "11369-6", "SYNTH", "57833-6"]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_examples_parse_with_their_header(sample: Path) -> None:
    doc = cda.parse(sample)
    assert doc.type_code == expected_type(sample)
    assert doc.patient_ins == "279035121518989"
    assert doc.patient_ins_oid in cda.INS_OIDS
    assert doc.patient_family_name == "PAT-TROIS"
    assert doc.patient_birth_date == date(1979, 3, 28)
    assert doc.title.strip()
    assert doc.author.name.strip()
    assert doc.effective_time.tzinfo is not None
    assert date(2015, 1, 1) < doc.act_date < date(2030, 1, 1)
    assert doc.confidentiality is Confidentiality.NORMAL
    assert doc.unique_id.startswith("1.")
    assert doc.title in doc.text


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_examples_body_matches_their_level(sample: Path) -> None:
    doc = cda.parse(sample)
    if sample.name in LEVEL_ONE:
        assert doc.embedded is not None and doc.embedded.representation == "B64"
        assert doc.embedded.media_type == "application/pdf" and not doc.sections
    else:
        assert doc.embedded is None and doc.sections


@pytest.mark.parametrize("name", sorted(LEVEL_ONE))
def test_level_one_examples_yield_their_pdf(tmp_path: Path, name: str) -> None:
    out = tmp_path / "embedded.pdf"
    assert cda_embedded.extract_embedded(DATA / name, out) is Format.PDF
    assert out.read_bytes().startswith(b"%PDF")
    assert out.stat().st_size > 10_000


def test_header_details_of_the_biology_report() -> None:
    doc = cda.parse(DATA / "BIO-CR-BIO_2024.01_TSH_1.xml")
    assert doc.effective_time == datetime(2021, 4, 1, 17, 10, tzinfo=timezone(timedelta(hours=1)))
    assert doc.act_date == date(2021, 1, 4)  # the service event, not the document's date
    assert doc.author.name == "M Marcel CAMPARINI"
    assert doc.author.rpps == "01234534765"
    assert doc.author.organisation == "Laboratoire des charmes"
    assert doc.author.organisation_id == "1120459876"
    assert doc.author.profession == "Médecin - Biologie médicale (SM)"
    assert doc.custodian == "Laboratoire des charmes"
    assert doc.patient_given_names == "DOMINIQUE MARIE-LOUISE"
    assert doc.type_code_system_oid == "2.16.840.1.113883.6.1"


def test_a_system_feed_is_named_after_its_software() -> None:
    author = cda.parse(DATA / "CNAM-HR_2021.01.xml").author
    assert author.name == "Assurance Maladie"
    assert author.rpps is None  # a feed's identifier is no RPPS


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.name not in LEVEL_ONE],
                         ids=lambda p: p.name)
def test_render_html_shows_the_sections_and_no_script(sample: Path) -> None:
    doc = cda.parse(sample)
    html = cda_render.render_html(doc)
    for section in doc.sections:
        assert str(escape(section.title)) in html
    assert "<script" not in html.lower()
    assert "href" not in html and "src=" not in html
    assert "Patient" in html and "Auteur" in html and "PAT-TROIS" in html


def test_nested_sections_keep_their_level() -> None:
    doc = cda.parse(DATA / "VSM_1.4_2022.01.xml")
    levels = {s.title: s.level for s in doc.sections}
    assert levels["Pathologie en cours, antécédents, allergies et facteurs de risques"] == 0
    assert levels["Pathologie en cours"] == 2
    assert "Infarctus transmural inférieur" in doc.text


# --- header rules -----------------------------------------------------------------------


def test_minimal_header(tmp_path: Path) -> None:
    doc = cda.parse(write(tmp_path, structured("<paragraph>Rien</paragraph>")))
    assert doc.unique_id == "1.2.3.4^DOC-1"
    assert doc.patient_ins_oid == "1.2.250.1.213.1.4.8"
    assert doc.author.name == "Dr Paul MARTIN"
    assert doc.author.rpps == "10001234567"
    assert doc.author.profession == "Médecin - Cardiologie"
    assert doc.act_date == date(2024, 1, 15)
    assert doc.custodian is None


@pytest.mark.parametrize("root", ["1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.11"])
def test_other_ins_oids_are_recorded(tmp_path: Path, root: str) -> None:
    doc = cda.parse(write(tmp_path, structured("", ins_root=root)))
    assert (doc.patient_ins, doc.patient_ins_oid) == ("279035121518989", root)


def test_an_unknown_patient_identifier_is_no_ins(tmp_path: Path) -> None:
    doc = cda.parse(write(tmp_path, structured("", ins_root="1.2.3.4.5")))
    assert doc.patient_ins is None and doc.patient_ins_oid is None


@pytest.mark.parametrize(("code", "level"), [("R", Confidentiality.RESTRICTED),
                                             ("V", Confidentiality.VERY_RESTRICTED)])
def test_confidentiality(tmp_path: Path, code: str, level: Confidentiality) -> None:
    assert cda.parse(write(tmp_path, structured("", confidentiality=code))).confidentiality is level


def test_unknown_confidentiality_is_refused_not_lowered(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        cda.parse(write(tmp_path, structured("", confidentiality="X")))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024", datetime(2024, 1, 1, tzinfo=cda.PARIS)),
        ("20240115", datetime(2024, 1, 15, tzinfo=cda.PARIS)),
        ("202407151230", datetime(2024, 7, 15, 12, 30, tzinfo=cda.PARIS)),
        ("20240115103000+0100", datetime(2024, 1, 15, 9, 30, tzinfo=UTC)),
        ("20240115103000.250-0500", datetime(2024, 1, 15, 15, 30, tzinfo=UTC)),
    ],
)
def test_hl7_timestamps(value: str, expected: datetime) -> None:
    assert cda.parse_ts(value) == expected


def test_naive_summer_time_is_paris_time() -> None:
    assert cda.parse_ts("20240715").utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("value", ["2024-01-15", "20241301", "20240230", "20240", "", "abc"])
def test_bad_timestamps_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput):
        cda.parse_ts(value)


@pytest.mark.parametrize(
    ("extension", "rpps"),
    [("810001234567", "10001234567"), ("10001234567", "10001234567"),
     ("012345678", None), ("518003502400041/1.2.250.1.215.1.2", None), (None, None)],
)
def test_rpps_from_the_national_identifier(extension: str | None, rpps: str | None) -> None:
    assert cda.rpps_of(cda.RPPS_ROOT, extension) == rpps


def test_rpps_needs_the_rpps_root() -> None:
    assert cda.rpps_of("1.2.3", "810001234567") is None


# --- narrative → safe HTML --------------------------------------------------------------


def test_narrative_elements_map_to_html(tmp_path: Path) -> None:
    narrative = (
        "<paragraph>Ligne<br/>suivante <content styleCode='Bold'>gras</content>"
        "<sub>2</sub><sup>3</sup></paragraph>"
        "<list listType='ordered'><item>un</item></list><list><item>deux</item></list>"
        "<table border='1'><caption>Tableau</caption><thead><tr><th>A</th></tr></thead>"
        "<tbody><tr><td colspan='2' rowspan='x' onclick='evil()'>cellule</td></tr></tbody>"
        "</table>")
    html = cda.parse(write(tmp_path, structured(narrative))).sections[0].html
    assert "<p>Ligne<br>suivante <span>gras</span><sub>2</sub><sup>3</sup></p>" in html
    assert "<ol><li>un</li></ol><ul><li>deux</li></ul>" in html
    assert "<table><caption>Tableau</caption><thead><tr><th>A</th></tr></thead>" in html
    assert '<td colspan="2">cellule</td>' in html
    assert "onclick" not in html and "border" not in html and "styleCode" not in html


def test_narrative_never_lets_markup_through(tmp_path: Path) -> None:
    narrative = (
        "<paragraph>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</paragraph>"
        "<script xmlns='http://www.w3.org/1999/xhtml'>alert(2)</script>"
        "<linkHtml href='javascript:alert(3)'>le lien</linkHtml>"
        "<renderMultiMedia referencedObject='img1'><caption>image</caption></renderMultiMedia>"
        "<paragraph><img xmlns='http://www.w3.org/1999/xhtml' src='http://evil/x.png'/>fin"
        "</paragraph>")
    doc = cda.parse(write(tmp_path, structured(narrative)))
    html = cda_render.render_html(doc)
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "javascript:" not in html and "http://evil" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "le lien" in html and "fin" in html
    assert "image" not in doc.sections[0].html


def test_links_and_foreign_elements_keep_their_words_only(tmp_path: Path) -> None:
    narrative = ("<linkHtml href='javascript:x'>le lien</linkHtml> "
                 "<foo:bar xmlns:foo='urn:x' style='x'>mot</foo:bar>")
    assert cda.parse(write(tmp_path, structured(narrative))).sections[0].html == "le lien mot"


def test_render_html_escapes_the_header(tmp_path: Path) -> None:
    text = structured("").replace("Consultation du 15 janvier", "&lt;b&gt;Titre&lt;/b&gt;")
    html = cda_render.render_html(cda.parse(write(tmp_path, text)))
    assert "<h1>&lt;b&gt;Titre&lt;/b&gt;</h1>" in html
    assert "Date</th><td>15/01/2024</td>" in html
    assert "Patient</th><td>DUPONT Marie Anne, né(e) le 28/03/1979" in html


def test_comments_and_processing_instructions_are_dropped(tmp_path: Path) -> None:
    narrative = "<paragraph>avant<!-- secret --><?php echo 1 ?>après</paragraph>"
    html = cda.parse(write(tmp_path, structured(narrative))).sections[0].html
    assert html == "<p>avantaprès</p>"


# --- refusals ---------------------------------------------------------------------------


def test_external_entity_is_refused_and_never_read(tmp_path: Path) -> None:
    text = ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
            + structured("<paragraph>&e;</paragraph>"))
    with pytest.raises(UnsupportedContent) as err:
        cda.parse(write(tmp_path, text))
    assert "DTD" in err.value.message and "DTD" in err.value.message_en
    assert PASSWD not in err.value.message


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    text = f"<!DOCTYPE ClinicalDocument [{entities}]>" + structured("&lol9;")
    with pytest.raises(UnsupportedContent):
        cda.parse(write(tmp_path, text))


def test_a_public_dtd_is_refused_too(tmp_path: Path) -> None:
    text = '<!DOCTYPE ClinicalDocument SYSTEM "http://example.org/cda.dtd">' + structured("")
    with pytest.raises(UnsupportedContent):
        cda.parse(write(tmp_path, text))


def test_excessive_depth_is_refused(tmp_path: Path) -> None:
    deep = "<content>" * 250 + "x" + "</content>" * 250
    with pytest.raises(UnsupportedContent) as err:
        cda.parse(write(tmp_path, structured(deep)))
    assert "200" in err.value.message


def test_reasonable_depth_is_accepted(tmp_path: Path) -> None:
    nested = "<content>" * 150 + "profond" + "</content>" * 150
    assert "profond" in cda.parse(write(tmp_path, structured(nested))).sections[0].text


def line_of(text: str, marker: str) -> int:
    return text[: text.index(marker)].count("\n") + 1


MISMATCHED = structured("").replace("</title>", "</titre>", 1)
UNDECLARED = structured("<paragraph>&undefined;</paragraph>")
TRUNCATED = header()


@pytest.mark.parametrize(
    ("text", "line"),
    [(MISMATCHED, line_of(MISMATCHED, "</titre>")),
     (UNDECLARED, line_of(UNDECLARED, "&undefined;")),
     (TRUNCATED, TRUNCATED.count("\n") + 1)],
)
def test_malformed_xml_reports_its_line(tmp_path: Path, text: str, line: int) -> None:
    with pytest.raises(InvalidInput) as err:
        cda.parse(write(tmp_path, text))
    assert f"(ligne {line})" in err.value.message
    assert f"Malformed XML document (line {line})" in err.value.message_en


def test_empty_file_is_malformed(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        cda.parse(write(tmp_path, ""))
    assert err.value.message.startswith("Document XML mal formé :")


@pytest.mark.parametrize("root", ['<ClinicalDocument xmlns="urn:other"/>',
                                  '<html xmlns="urn:hl7-org:v3"/>', "<ClinicalDocument/>"])
def test_wrong_root_is_refused(tmp_path: Path, root: str) -> None:
    with pytest.raises(UnsupportedContent):
        cda.parse(write(tmp_path, root))


def test_missing_date_is_refused(tmp_path: Path) -> None:
    text = structured("").replace('<effectiveTime value="20240115103000+0100"/>', "")
    with pytest.raises(InvalidInput):
        cda.parse(write(tmp_path, text))


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.xml"
    with path.open("wb") as stream:
        stream.truncate(cda.MAX_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(TooLarge):
        cda.parse(path)


# --- level 1 ----------------------------------------------------------------------------


def test_large_embedded_body_stays_out_of_memory(tmp_path: Path) -> None:
    """Bigger than libxml2's 10 MB limit for one text node without huge_tree."""
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 45_000
    path = write(tmp_path, level_one(base64.encodebytes(pdf).decode()))
    doc = cda.parse(path)
    assert doc.embedded is not None and doc.embedded.encoded_size > 10_000_000
    out = tmp_path / "out.pdf"
    assert cda_embedded.extract_embedded(path, out) is Format.PDF
    assert out.read_bytes() == pdf


def test_extracting_from_a_structured_document_fails_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "out.bin"
    with pytest.raises(InvalidInput):
        cda_embedded.extract_embedded(write(tmp_path, structured("")), out)
    assert not out.exists()


def test_bad_base64_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out.bin"
    with pytest.raises(InvalidInput):
        cda_embedded.extract_embedded(write(tmp_path, level_one("JVBERi0x*!!")), out)
    assert not out.exists()


def test_an_embedded_archive_is_refused(tmp_path: Path) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.txt", "bonjour")
    path = write(tmp_path, level_one(base64.b64encode(archive.getvalue()).decode()))
    out = tmp_path / "out.bin"
    with pytest.raises(UnsupportedContent):
        cda_embedded.extract_embedded(path, out)
    assert not out.exists()


def test_only_base64_bodies_are_extracted(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedContent):
        cda_embedded.extract_embedded(write(tmp_path, level_one("texte", "TXT")), tmp_path / "o")
