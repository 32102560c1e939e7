"""Safe reading of HL7 CDA R2 documents (CI-SIS, levels 1 and 3): the header the dossier
indexes, the narrative turned into safe HTML, and the level-1 embedded file.

The XML is read through an lxml parser *target* rather than a plain tree parse, so that a
DOCTYPE is refused the moment it starts (before any entity is declared), nesting is
bounded while reading, and the bulky parts (coded entries, the base64 body of a level 1)
never enter memory. Spec: https://esante.gouv.fr/interoperabilite/ci-sis (volet
structuration minimale) and HL7 CDA R2 narrative block (section 4.3.5).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

from espace_sante.core.errors import InvalidInput, TooLarge, UnsupportedContent
from espace_sante.dossier.cda_narrative import narrative_html
from espace_sante.dossier.codes import SYSTEM_MAX_BYTES, Confidentiality
from espace_sante.dossier.views import Author

V3 = "urn:hl7-org:v3"
_NS = {"h": V3}
_ROOT = f"{{{V3}}}ClinicalDocument"
MAX_DEPTH = 200
MAX_BYTES = SYSTEM_MAX_BYTES
MAX_TEXT = 100_000
_CHUNK = 64 * 1024
PARIS = ZoneInfo("Europe/Paris")  # CDA times without an offset are French local times
# INS-NIR, INS-NIA (temporary), then the test and demonstration NIR of the INS guide.
INS_OIDS = ("1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10",
            "1.2.250.1.213.1.4.11")
RPPS_ROOT = "1.2.250.1.71.4.2.1"  # national identifier of health professionals

Element = etree._Element
# lxml-stubs' types for a parser target: lxml gives str, the stubs allow bytes too.
Tag = str | bytes
Attrib = dict[str | bytes, str | bytes]


@dataclass(frozen=True)
class Section:
    title: str
    code: str | None
    level: int  # 0 for a top section, 1 for its subsections...
    html: str  # the narrative block as safe HTML
    text: str


@dataclass(frozen=True)
class EmbeddedBody:
    """The nonXMLBody of a level 1; the content itself stays in the file."""

    media_type: str
    representation: str
    encoded_size: int


@dataclass(frozen=True)
class CdaDocument:
    unique_id: str
    type_code: str
    type_code_system_oid: str | None
    type_display: str
    title: str
    effective_time: datetime
    act_date: date
    confidentiality: Confidentiality
    patient_ins: str | None
    patient_ins_oid: str | None
    patient_family_name: str
    patient_given_names: str
    patient_birth_date: date | None
    author: Author
    custodian: str | None
    embedded: EmbeddedBody | None
    sections: tuple[Section, ...]
    text: str


# --- reading the XML safely -------------------------------------------------------------


def safe_parser(target: etree.ParserTarget) -> etree.XMLParser:
    return etree.XMLParser(target=target, resolve_entities=False, no_network=True,
                           load_dtd=False, dtd_validation=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def _dtd_refused() -> UnsupportedContent:
    return UnsupportedContent(
        "Document XML refusé : les DTD et entités externes ne sont pas acceptées.",
        "XML document refused: DTDs and external entities are not accepted.")


class ParseGuard:
    """Parser target base: refuses a DTD, a root other than ClinicalDocument and nesting
    deeper than MAX_DEPTH; keeps the path of open elements for subclasses."""

    def __init__(self) -> None:
        self.path: list[Tag] = []

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise _dtd_refused()

    def comment(self, text: Tag) -> None:
        return None  # comments carry nothing the dossier needs

    def start(self, tag: Tag, attrib: Attrib) -> None:
        self.path.append(tag)
        if len(self.path) > MAX_DEPTH:
            raise UnsupportedContent(
                f"Document XML refusé : imbrication de plus de {MAX_DEPTH} niveaux.",
                f"XML document refused: nesting deeper than {MAX_DEPTH} levels.")
        if len(self.path) == 1 and tag != _ROOT:
            raise UnsupportedContent(
                "Ce document XML n'est pas un document CDA (ClinicalDocument HL7 v3).",
                "This XML document is not a CDA document (HL7 v3 ClinicalDocument).")

    def end(self, tag: Tag) -> None:
        self.path.pop()

    def data(self, data: Tag) -> None:
        return None

    def close(self) -> None:
        return None

    def in_embedded_body(self) -> bool:
        return self.path[-2:] == [f"{{{V3}}}nonXMLBody", f"{{{V3}}}text"]


class _Builder(ParseGuard):
    """Builds the tree without coded entries (their narrative twin is in section/text) and
    without the level-1 base64 body, whose length only is kept."""

    def __init__(self) -> None:
        super().__init__()
        self._tree = etree.TreeBuilder()
        self._skip_from: int | None = None  # depth of the entry being skipped
        self.embedded_size = 0
        self.root: Element | None = None

    def start(self, tag: Tag, attrib: Attrib) -> None:
        super().start(tag, attrib)
        if self._skip_from is None and tag == f"{{{V3}}}entry":
            self._skip_from = len(self.path)
        if self._skip_from is None:
            self._tree.start(tag, attrib)

    def end(self, tag: Tag) -> None:
        if self._skip_from is None:
            self._tree.end(tag)
        elif self._skip_from == len(self.path):
            self._skip_from = None
        super().end(tag)

    def data(self, data: Tag) -> None:
        if self._skip_from is not None:
            return
        if self.in_embedded_body():
            self.embedded_size += len(data)
            return
        self._tree.data(data)

    def close(self) -> None:
        # After a refusal raised by a callback, lxml still calls close() and would report
        # the builder's "missing end tags" instead of the refusal; parse() checks root.
        with contextlib.suppress(etree.XMLSyntaxError):
            self.root = self._tree.close()


def feed(path: Path, target: etree.ParserTarget) -> None:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise TooLarge(
            f"Le document CDA dépasse la taille maximale de {MAX_BYTES // 1_048_576} Mo.",
            f"The CDA document exceeds the maximum size of {MAX_BYTES // 1_048_576} MB.")
    parser = safe_parser(target)
    try:
        with path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                parser.feed(chunk)
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise _malformed(exc) from exc


def _malformed(exc: etree.XMLSyntaxError) -> InvalidInput:
    # libxml2's message ends with the position, which the French sentence already gives.
    message = _POSITION.sub("", str(exc.msg))
    line = exc.lineno  # 0 when nothing was read at all
    return InvalidInput(f"Document XML mal formé{f' (ligne {line})' if line else ''} : {message}",
                        f"Malformed XML document{f' (line {line})' if line else ''}: {message}")


_POSITION = re.compile(r", line \d+, column \d+$")


# --- small readers ----------------------------------------------------------------------


def _first(el: Element | None, path: str) -> Element | None:
    return None if el is None else el.find(path, _NS)


def _attr(el: Element | None, path: str, name: str) -> str | None:
    found = _first(el, path)
    value = None if found is None else found.get(name)
    return value.strip() or None if value else None


def _squash(text: str) -> str:
    return " ".join(text.split())


def _text(el: Element | None, path: str | None = None) -> str:
    found = el if path is None else _first(el, path)
    return "" if found is None else _squash(" ".join(map(str, found.itertext())))


_TS = re.compile(r"(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?(?:\.\d{1,6})?([+-]\d{4})?")


def parse_ts(value: str) -> datetime:
    """HL7 v3 TS, from the year down to the second; a missing offset means Paris time."""
    match = _TS.fullmatch(value.strip())
    if match is None:
        raise _bad_time(value)
    year, month, day, hour, minute, second = (int(g or d) for g, d in zip(
        match.groups()[:6], ("0", "1", "1", "0", "0", "0"), strict=True))
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=_zone(match[7]))
    except ValueError as exc:
        raise _bad_time(value) from exc


def _zone(offset: str | None) -> timezone | ZoneInfo:
    if offset is None:
        return PARIS
    sign = -1 if offset[0] == "-" else 1
    return timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:])))


def _bad_time(value: str) -> InvalidInput:
    return InvalidInput(f"Date CDA invalide : « {value[:40]} ».",
                        f"Invalid CDA date: '{value[:40]}'.")


def _optional_ts(value: str | None) -> datetime | None:
    return None if value is None else parse_ts(value)


# --- header -----------------------------------------------------------------------------


def _unique_id(root: Element) -> str:
    doc_id, extension = _attr(root, "h:id", "root"), _attr(root, "h:id", "extension")
    if doc_id is None:
        raise InvalidInput("Le document CDA n'a pas d'identifiant (id/@root).",
                           "The CDA document has no identifier (id/@root).")
    return f"{doc_id}^{extension}" if extension else doc_id


def _effective_time(root: Element) -> datetime:
    value = _attr(root, "h:effectiveTime", "value")
    if value is None:
        raise InvalidInput("Le document CDA n'a pas de date (effectiveTime).",
                           "The CDA document has no date (effectiveTime).")
    return parse_ts(value)


def _act_date(root: Element, effective: datetime) -> date:
    event = _first(root, "h:documentationOf/h:serviceEvent/h:effectiveTime")
    value = _attr(event, "h:low", "value") or (None if event is None else event.get("value"))
    act = _optional_ts(value)
    return (act or effective).date()


def _confidentiality(root: Element) -> Confidentiality:
    code = _attr(root, "h:confidentialityCode", "code")
    if code is None:
        return Confidentiality.NORMAL
    try:
        return Confidentiality(code)
    except ValueError as exc:
        # An unknown level could be stricter than Normal: never guess downwards.
        raise InvalidInput(f"Niveau de confidentialité CDA inconnu : « {code[:10]} ».",
                           f"Unknown CDA confidentiality code: '{code[:10]}'.") from exc


def _patient_ins(role: Element | None) -> tuple[str | None, str | None]:
    ids = [] if role is None else role.findall("h:id", _NS)
    found = {i.get("root"): i.get("extension", "").strip() for i in ids}
    for oid in INS_OIDS:
        if found.get(oid):
            return found[oid], oid
    return None, None


def _patient_names(name: Element | None) -> tuple[str, str]:
    if name is None:
        return "", ""
    families = name.findall("h:family", _NS)
    birth = [f for f in families if f.get("qualifier") == "BR"] or families
    givens = name.findall("h:given", _NS)
    # CI-SIS: an unqualified <given> holds the whole list of first names of the INS.
    listed = [g for g in givens if g.get("qualifier") is None] or givens
    return (_text(birth[0]) if birth else "", _text(listed[0]) if listed else "")


def _person_name(name: Element | None) -> str:
    if name is None:
        return ""
    parts = [name.findall(f"h:{part}", _NS) for part in ("prefix", "given", "family")]
    return _squash(" ".join(_text(el) for group in parts for el in group))


def rpps_of(root: str | None, extension: str | None) -> str | None:
    """RPPS from an IdNat_PS; the CI-SIS prefixes an RPPS with "8" (8 + 11 digits). Other
    national identifiers (ADELI, a structure-based id, a feed's device id) are no RPPS."""
    if root != RPPS_ROOT or extension is None or not extension.isdigit():
        return None
    if len(extension) == 12 and extension.startswith("8"):
        return extension[1:]
    return extension if len(extension) == 11 else None


def _author(root: Element) -> Author:
    author = _first(root, "h:author")
    assigned = _first(author, "h:assignedAuthor")
    organisation = _text(assigned, "h:representedOrganization/h:name") or None
    name = (_person_name(_first(assigned, "h:assignedPerson/h:name"))
            or _text(assigned, "h:assignedAuthoringDevice/h:softwareName")
            or organisation or "")
    return Author(
        name=name,
        rpps=rpps_of(_attr(assigned, "h:id", "root"), _attr(assigned, "h:id", "extension")),
        organisation=organisation,
        organisation_id=_attr(assigned, "h:representedOrganization/h:id", "extension"),
        # The professional's own role (code) says more to a reader than his function here.
        profession=(_attr(assigned, "h:code", "displayName")
                    or _attr(author, "h:functionCode", "displayName")))


# --- body -------------------------------------------------------------------------------


def _sections(body: Element | None, level: int = 0) -> Iterator[Section]:
    for section in [] if body is None else body.findall("h:component/h:section", _NS):
        narrative = _first(section, "h:text")
        yield Section(title=_text(section, "h:title"), code=_attr(section, "h:code", "code"),
                      level=level, html=narrative_html(narrative), text=_text(narrative))
        yield from _sections(section, level + 1)


def _embedded(root: Element, size: int) -> EmbeddedBody | None:
    text = _first(root, "h:component/h:nonXMLBody/h:text")
    if text is None:
        return None
    return EmbeddedBody(media_type=text.get("mediaType", "text/plain"),
                        representation=text.get("representation", "TXT"), encoded_size=size)


def _plain_text(title: str, sections: tuple[Section, ...]) -> str:
    parts = [title, *(f"{s.title}\n{s.text}" for s in sections)]
    return "\n\n".join(p for p in parts if p.strip())[:MAX_TEXT]


def parse(path: Path) -> CdaDocument:
    builder = _Builder()
    feed(path, builder)
    root = builder.root
    assert root is not None  # close() ran, or _feed raised
    role = _first(root, "h:recordTarget/h:patientRole")
    ins, ins_oid = _patient_ins(role)
    family, given = _patient_names(_first(role, "h:patient/h:name"))
    effective = _effective_time(root)
    display = _attr(root, "h:code", "displayName") or ""
    title = _text(root, "h:title") or display
    sections = tuple(_sections(_first(root, "h:component/h:structuredBody")))
    return CdaDocument(
        unique_id=_unique_id(root), type_code=_attr(root, "h:code", "code") or "",
        type_code_system_oid=_attr(root, "h:code", "codeSystem"), type_display=display,
        title=title, effective_time=effective, act_date=_act_date(root, effective),
        confidentiality=_confidentiality(root), patient_ins=ins, patient_ins_oid=ins_oid,
        patient_family_name=family, patient_given_names=given,
        patient_birth_date=_birth_date(role), author=_author(root),
        custodian=_text(root, "h:custodian/h:assignedCustodian/"
                              "h:representedCustodianOrganization/h:name") or None,
        embedded=_embedded(root, builder.embedded_size), sections=sections,
        text=_plain_text(title, sections))


def _birth_date(role: Element | None) -> date | None:
    birth = _optional_ts(_attr(role, "h:patient/h:birthTime", "value"))
    return None if birth is None else birth.date()
