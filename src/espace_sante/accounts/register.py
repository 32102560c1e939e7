"""The insurer's register: files of insured persons to provision, read line by line.

Two formats, both streamed so memory stays flat whatever the size: CSV (a header row,
``;`` or ``,`` found from the header, UTF-8 with or without BOM) and NDJSON (one JSON
object a line). The columns are documented in docs/provisioning.md. A file that is
neither, or lacks a required column, is refused before anything is written
(``inspect``); a bad line is only that line's problem (``validate`` gives the reason).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Generator, Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, NamedTuple

from espace_sante.accounts import register_fields as fields
from espace_sante.accounts.register_fields import Bad, Person
from espace_sante.core.errors import InvalidInput

REQUIRED = ("nir", "birth_family_name", "first_names", "birth_date", "sex", "birth_place_code")
OPTIONAL = ("used_family_name", "email", "phone", "postal_address", "vitale_serial", "notice",
            "parent_nir")
COLUMNS = frozenset(REQUIRED + OPTIONAL)
SNIFF_BYTES = 64 * 1024
BOM = "\ufeff"


class Format(StrEnum):
    CSV = "csv"
    NDJSON = "ndjson"


class MalformedRegister(InvalidInput):
    """The whole file is refused: nothing of it is imported."""


class RawLine(NamedTuple):  # tuples: one per line, by the million
    """One record as read: its fields, or why it could not even be read."""

    line_no: int
    fields: dict[str, str] | None
    problem: Bad | None = None


class LineError(NamedTuple):
    line_no: int
    message: str
    message_en: str


def inspect(path: Path, fmt: Format | None = None) -> Format:
    """Check the file's shape before any import; raise ``MalformedRegister`` otherwise."""
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    first = _first_line(head)
    fmt = fmt or _guess(path, first)
    if fmt is Format.NDJSON:
        _check_ndjson_start(first)
    else:
        _columns(first)
    return fmt


def read(path: Path, fmt: Format) -> Generator[RawLine, None, None]:
    """Every record of the file in order, with its line number (blank lines skipped)."""
    with path.open("rb") as f:
        yield from (_ndjson(f) if fmt is Format.NDJSON else _csv(f))


def validate(raw: RawLine, *, today: date) -> Person | LineError:
    if raw.problem is not None:
        return LineError(raw.line_no, raw.problem.message, raw.problem.message_en)
    assert raw.fields is not None
    try:
        return fields.person(raw.line_no, raw.fields, today=today)
    except Bad as bad:
        return LineError(raw.line_no, bad.message, bad.message_en)


# -- the whole file -------------------------------------------------------------------------


def _malformed(fr: str, en: str) -> MalformedRegister:
    return MalformedRegister(
        f"Fichier refusé, rien n'a été importé : {fr}", f"File refused, nothing imported: {en}"
    )


def _first_line(head: bytes) -> str:
    if b"\x00" in head:
        raise _malformed("ce n'est pas un fichier texte (CSV ou NDJSON).",
                         "this is not a text file (CSV or NDJSON).")
    line = next((ln for ln in head.splitlines() if ln.strip()), b"")
    if not line:
        raise _malformed("le fichier est vide.", "the file is empty.")
    try:
        return line.decode("utf-8").removeprefix(BOM)
    except UnicodeDecodeError:
        raise _malformed("le fichier doit être encodé en UTF-8.",
                         "the file must be UTF-8 encoded.") from None


def _guess(path: Path, first: str) -> Format:
    suffix = path.suffix.lower()
    if suffix in (".ndjson", ".jsonl"):
        return Format.NDJSON
    if suffix == ".csv":
        return Format.CSV
    return Format.NDJSON if first.lstrip().startswith("{") else Format.CSV


def _check_ndjson_start(first: str) -> None:
    try:
        parsed = json.loads(first)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise _malformed("la première ligne n'est pas un objet JSON (NDJSON attendu).",
                         "the first line is not a JSON object (NDJSON expected).")


def _delimiter(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","


def _columns(header: str) -> list[str]:
    names = [fields.column(n) for n in next(csv.reader([header], delimiter=_delimiter(header)))]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise _malformed(f"colonnes obligatoires absentes : {', '.join(missing)}.",
                         f"required columns missing: {', '.join(missing)}.")
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise _malformed(f"colonnes inconnues : {', '.join(unknown)}.",
                         f"unknown columns: {', '.join(unknown)}.")
    if len(set(names)) != len(names):
        raise _malformed("une colonne est en double.", "a column appears twice.")
    return names


# -- records --------------------------------------------------------------------------------

WRONG_WIDTH = Bad("", "nombre de colonnes différent de l'en-tête.",
                  "number of columns differs from the header.")
NOT_JSON = Bad("", "ligne illisible : ce n'est pas un objet JSON.",
               "unreadable line: not a JSON object.")


NOT_UTF8 = Bad("", "caractères illisibles : le fichier doit être encodé en UTF-8.",
               "unreadable characters: the file must be UTF-8 encoded.")


def _decoded(f: BinaryIO, undecodable: set[int]) -> Iterator[str]:
    """The file's lines as text; the numbers of lines that are not UTF-8 go to
    ``undecodable`` (their bad bytes become U+FFFD) and those lines are refused."""
    for line_no, raw in enumerate(f, 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            undecodable.add(line_no)
        yield text.removeprefix(BOM) if line_no == 1 else text


def _csv(f: BinaryIO) -> Iterator[RawLine]:
    undecodable: set[int] = set()  # small: only the bad lines
    lines = _decoded(f, undecodable)
    header, offset = "", 0
    for offset, header in enumerate(lines, 1):  # noqa: B007 - both are used after the loop
        if header.strip():
            break
    names = _columns(header.rstrip("\r\n"))
    reader = csv.reader(lines, delimiter=_delimiter(header))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawLine(reader.line_num + offset, None, Bad(
                "", f"ligne CSV illisible ({exc}).", f"unreadable CSV line ({exc})."))
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        # The reader counts from the line after the header.
        line_no = reader.line_num + offset
        if len(row) != len(names) or line_no in undecodable:
            yield RawLine(line_no, None, NOT_UTF8 if line_no in undecodable else WRONG_WIDTH)
        else:
            yield RawLine(line_no, dict(zip(names, row, strict=True)))


def _ndjson(f: BinaryIO) -> Iterator[RawLine]:
    for line_no, raw in enumerate(f, 1):
        if not raw.strip():
            continue
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            yield RawLine(line_no, None, NOT_JSON)
            continue
        try:
            yield RawLine(line_no, fields.from_json(parsed, COLUMNS))
        except Bad as bad:
            yield RawLine(line_no, None, bad)
