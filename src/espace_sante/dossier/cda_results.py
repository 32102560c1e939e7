"""The coded results of a structured CDA (CI-SIS level 3): each observation with a LOINC
code and a physical quantity (``PQ``) as value, with its unit and time. Other bricks turn
them into measures (a glycaemia in a lab report becomes a point of the patient's chart).

Read with the same guarded parser target as the header (no DTD, bounded depth), in one
streaming pass that keeps only the few attributes it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from espace_sante.core.errors import DomainError
from espace_sante.dossier.cda import V3, Attrib, ParseGuard, Tag, feed, parse_ts

LOINC = "2.16.840.1.113883.6.1"
MAX_RESULTS = 1_000
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_OBSERVATION, _CODE, _VALUE = f"{{{V3}}}observation", f"{{{V3}}}code", f"{{{V3}}}value"
_TIME, _LOW, _STATUS = f"{{{V3}}}effectiveTime", f"{{{V3}}}low", f"{{{V3}}}statusCode"


@dataclass(frozen=True)
class LabResult:
    loinc: str
    value: float
    unit: str  # UCUM, as the document gives it
    effective_at: datetime | None


@dataclass
class _Open:
    depth: int
    loinc: str | None = None
    value: float | None = None
    unit: str = ""
    time: str | None = None
    status: str | None = None


class _Results(ParseGuard):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[_Open] = []
        self.found: list[LabResult] = []

    def start(self, tag: Tag, attrib: Attrib) -> None:
        super().start(tag, attrib)
        if tag == _OBSERVATION:
            self.open.append(_Open(depth=len(self.path)))
            return
        if not self.open:
            return
        current, depth = self.open[-1], len(self.path) - self.open[-1].depth
        get = {str(k): str(v) for k, v in attrib.items()}.get
        if depth == 1:
            _read_child(current, tag, get)
        elif depth == 2 and tag == _LOW and self.path[-2] == _TIME and current.time is None:
            current.time = get("value")  # an interval: its start

    def end(self, tag: Tag) -> None:
        if tag == _OBSERVATION and self.open and self.open[-1].depth == len(self.path):
            self._close(self.open.pop())
        super().end(tag)

    def _close(self, obs: _Open) -> None:
        usable = obs.loinc and obs.value is not None and obs.status in (None, "completed")
        if not usable or len(self.found) >= MAX_RESULTS:
            return
        assert obs.loinc is not None and obs.value is not None
        self.found.append(LabResult(obs.loinc, obs.value, obs.unit, _time(obs.time)))


def _read_child(obs: _Open, tag: Tag, get: Callable[[str], str | None]) -> None:
    if tag == _CODE and get("codeSystem") == LOINC:
        obs.loinc = get("code")
    elif tag == _VALUE and (get(_XSI_TYPE) or "").endswith("PQ"):
        obs.value, obs.unit = _number(get("value")), get("unit") or "1"
    elif tag == _TIME:
        obs.time = get("value")
    elif tag == _STATUS:
        obs.status = get("code")


def _number(text: str | None) -> float | None:
    try:
        number = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return float(number) if number.is_finite() else None


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parse_ts(text)
    except DomainError:
        return None  # a result without a usable time is dated by its document


def read(path: Path) -> tuple[LabResult, ...]:
    """The numeric LOINC results of a CDA already accepted by ``cda.parse``."""
    target = _Results()
    feed(path, target)
    return tuple(target.found)
