"""Receiving an uploaded content and checking what it really is.

``receive`` streams the upload to a temporary file (memory stays flat whatever the size);
``inspect`` decides the format from the bytes, never from the file name, refuses what a
reader's software could run (PDF JavaScript, RTF embedded objects, DTDs) or choke on
(decompression bombs), and extracts a bounded searchable text.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from lxml import etree
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PdfReadWarning
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
from striprtf.striprtf import rtf_to_text

from espace_sante.core.errors import InvalidInput, TooLarge, UnsupportedContent
from espace_sante.dossier import cda
from espace_sante.dossier.cda import CdaDocument
from espace_sante.dossier.codes import Format

HEAD_SIZE = 8 * 1024
MAX_TEXT = 100_000
MAX_PDF_PAGES = 50
MAX_PDF_OBJECTS = 200_000
MAX_PIXELS = 80_000_000  # below Pillow's own bomb threshold, so ours speaks first
RTF_MAX_BYTES = 4 * 1024 * 1024  # striprtf is regex-based: bound the work
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Received:
    path: Path
    size: int
    sha256: str  # hex
    head: bytes  # the first HEAD_SIZE bytes


@dataclass(frozen=True)
class Inspection:
    format: Format
    text: str  # searchable text, at most MAX_TEXT characters
    cda: CdaDocument | None


# --- receiving --------------------------------------------------------------------------


def _megabytes(limit: int) -> str:
    return f"{limit / 1_048_576:g}"


def _too_large(limit: int) -> TooLarge:
    size = _megabytes(limit)
    return TooLarge(f"Le fichier dépasse la taille maximale de {size.replace('.', ',')} Mo.",
                    f"The file exceeds the maximum size of {size} MB.")


class Receiver:
    """Writes an upload to a new file of ``tmp_dir`` as its pieces arrive, hashing and
    counting on the way: a front door that parses the request itself writes each byte
    once. ``receive`` drives it from an iterable."""

    def __init__(self, *, limit: int, tmp_dir: Path) -> None:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
        self._out, self.path = os.fdopen(fd, "wb"), Path(name)
        self._limit, self._size, self._digest = limit, 0, hashlib.sha256()
        self._head = bytearray()

    def write(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._limit:
            self.abort()
            raise _too_large(self._limit)
        self._digest.update(chunk)
        self._out.write(chunk)
        if len(self._head) < HEAD_SIZE:
            self._head += chunk[: HEAD_SIZE - len(self._head)]

    def finish(self) -> Received:
        self._out.close()
        if self._size == 0:
            self.abort()
            raise InvalidInput("Le fichier est vide.", "The file is empty.")
        return Received(path=self.path, size=self._size, sha256=self._digest.hexdigest(),
                        head=bytes(self._head))

    def abort(self) -> None:
        self._out.close()
        self.path.unlink(missing_ok=True)


def receive(chunks: Iterable[bytes], *, limit: int, tmp_dir: Path) -> Received:
    """Streams an upload to a new file of ``tmp_dir``; the caller discards it when done."""
    receiver = Receiver(limit=limit, tmp_dir=tmp_dir)
    try:
        for chunk in chunks:
            receiver.write(chunk)
    except BaseException:
        receiver.abort()
        raise
    return receiver.finish()


def check_size(received: Received, limit: int) -> None:
    """For an upload received under a wider limit than its sender's."""
    if received.size > limit:
        raise _too_large(limit)


def discard(received: Received) -> None:
    received.path.unlink(missing_ok=True)


# --- sniffing ---------------------------------------------------------------------------

_MAGIC = ((b"%PDF-", Format.PDF), (b"\xff\xd8\xff", Format.JPEG),
          (b"\x89PNG\r\n\x1a\n", Format.PNG), (b"II*\x00", Format.TIFF),
          (b"MM\x00*", Format.TIFF), (b"{\\rtf", Format.RTF))
# C0 controls but tab, line feed, form feed and carriage return; DEL; C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


class _RootFound(Exception):
    pass


class _RootTag:
    """lxml target that stops at the first element; a DOCTYPE stops it too, unread."""

    def __init__(self) -> None:
        self.tag: str | None = None

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise _RootFound

    def start(self, tag: cda.Tag, attrib: cda.Attrib) -> None:
        self.tag = tag if isinstance(tag, str) else None
        raise _RootFound

    def comment(self, text: cda.Tag) -> None:
        return None

    def data(self, data: cda.Tag) -> None:
        return None

    def end(self, tag: cda.Tag) -> None:
        return None

    def close(self) -> None:
        return None


def _root_tag(head: bytes) -> str | None:
    target = _RootTag()
    parser = cda.safe_parser(target)
    # A syntax error simply means: not a CDA.
    with contextlib.suppress(_RootFound, etree.LxmlError):
        parser.feed(head)
    return target.tag


def _decode_head(head: bytes) -> str | None:
    # Not final: the head may end in the middle of a multi-byte character.
    try:
        return str(codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False))
    except UnicodeDecodeError:
        return None


def sniff(head: bytes) -> Format | None:
    """The format from the first bytes alone; None for anything not accepted here."""
    for magic, found in _MAGIC:
        if head.startswith(magic):
            return found
    text = _decode_head(head)
    if text is None or _CONTROL.search(text):
        return None
    if text.lstrip().startswith("<"):
        # Markup is never plain text: a browser could run it (HTML, SVG, other XML).
        return Format.CDA if _root_tag(head) == f"{{{cda.V3}}}ClinicalDocument" else None
    return Format.TXT


# --- refusing ---------------------------------------------------------------------------

_LABELS = {Format.PDF: ("PDF", "PDF"), Format.JPEG: ("JPEG", "JPEG"),
           Format.PNG: ("PNG", "PNG"), Format.TIFF: ("TIFF", "TIFF"),
           Format.RTF: ("RTF", "RTF"), Format.TXT: ("texte", "text"),
           Format.CDA: ("CDA (HL7)", "CDA (HL7)")}
_KINDS = ((b"PK\x03\x04", "archive ZIP", "ZIP archive"),
          (b"\x1f\x8b", "archive gzip", "gzip archive"),
          (b"MZ", "programme Windows", "Windows program"),
          (b"\x7fELF", "programme", "program"))


def _describe(head: bytes) -> tuple[str, str]:
    found = sniff(head)
    if found is not None:
        return _LABELS[found]
    for magic, french, english in _KINDS:
        if head.startswith(magic):
            return french, english
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "page HTML", "HTML page"
    if start.startswith(b"<"):
        return "document XML", "XML document"
    return "inconnu", "unknown"


def _not_accepted(head: bytes, allowed: frozenset[Format]) -> UnsupportedContent:
    french, english = _describe(head)
    accepted = [_LABELS[f] for f in Format if f in allowed]
    return UnsupportedContent(
        f"Ce type de fichier n'est pas accepté (contenu reconnu : {french}). "
        f"Formats acceptés : {', '.join(fr for fr, _ in accepted)}.",
        f"This type of file is not accepted (content recognised: {english}). "
        f"Accepted formats: {', '.join(en for _, en in accepted)}.")


def _refused(french: str, english: str) -> UnsupportedContent:
    return UnsupportedContent(f"Fichier refusé : {french}.", f"File refused: {english}.")


# --- PDF --------------------------------------------------------------------------------

# A viewer runs these: JavaScript (document, page, field or annotation actions) and
# Launch (starts a program). Plain links and embedded files are left to the viewer.
_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/Launch"})
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch"})


def _is_active(node: DictionaryObject) -> bool:
    return any(key in _ACTIVE_KEYS for key in node) or node.get("/S") in _ACTIVE_ACTIONS


def _children(node: object) -> list[Any]:
    # dict.values and list iteration keep references unresolved, so the walk stays lazy.
    if isinstance(node, DictionaryObject):
        return list(dict.values(node))
    return list(node) if isinstance(node, ArrayObject) else []


def _has_active_content(reader: PdfReader) -> bool:
    """Walks every object reachable from the trailer (each reference once). Each object
    is dropped from the reader's cache once looked at: a scan's image streams would
    otherwise all stay in memory (a 100 MB PDF cost 160 MB more, bench/dossier.py)."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            ref, node = node, node.get_object()
            reader.resolved_objects.pop((ref.generation, ref.idnum), None)
        if len(seen) > MAX_PDF_OBJECTS:
            raise _refused("PDF trop complexe", "PDF too complex")
        if isinstance(node, DictionaryObject) and _is_active(node):
            return True
        stack.extend(_children(node))
    return False


def _pdf_text(reader: PdfReader) -> str:
    parts, total = [], 0
    for page in islice(reader.pages, MAX_PDF_PAGES):
        text = page.extract_text() or ""
        # A page's images are read (and cached) with its resources: let them go.
        reader.resolved_objects.clear()
        parts.append(text)
        total += len(text)
        if total >= MAX_TEXT:
            break
    return "\n".join(parts)[:MAX_TEXT]


def _check_pdf(reader: PdfReader) -> str:
    if reader.is_encrypted:
        raise _refused("PDF chiffré, illisible", "encrypted PDF, unreadable")
    if _has_active_content(reader):
        raise _refused("PDF contenant du JavaScript ou une action de lancement",
                       "PDF containing JavaScript or a launch action")
    return _pdf_text(reader)


def _inspect_pdf(path: Path) -> str:
    with warnings.catch_warnings():
        # pypdf warns about repairable defects; in production they are silent, so here too.
        warnings.simplefilter("ignore", PdfReadWarning)
        try:
            # A file object, not a path: given a path pypdf reads the whole file in memory.
            with path.open("rb") as handle:
                return _check_pdf(PdfReader(handle, strict=False))
        except UnsupportedContent:
            raise
        except Exception as exc:  # pypdf raises anything from KeyError to zlib.error
            raise _refused("PDF illisible ou malformé", "unreadable or malformed PDF") from exc


# --- images, RTF, text ------------------------------------------------------------------

_PILLOW = {Format.JPEG: "JPEG", Format.PNG: "PNG", Format.TIFF: "TIFF"}


def _image_too_large() -> UnsupportedContent:
    return _refused("image trop grande ou malformée", "image too large or malformed")


def _check_image(path: Path, found: Format) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=[_PILLOW[found]]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise _image_too_large()
                image.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _image_too_large() from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _refused("image illisible ou malformée",
                           "unreadable or malformed image") from exc


def _inspect_image(found: Format) -> Callable[[Path], str]:
    def inspect_image(path: Path) -> str:
        _check_image(path, found)
        return ""

    return inspect_image


def _contains(path: Path, needle: bytes) -> bool:
    tail = b""
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            if needle in tail + chunk:
                return True
            tail = chunk[-(len(needle) - 1):]
    return False


def _inspect_rtf(path: Path) -> str:
    # \object, \objdata, \objupdate...: embedded OLE objects are the classic RTF exploit.
    if _contains(path, b"\\obj"):
        raise _refused("RTF contenant un objet incorporé", "RTF containing an embedded object")
    with path.open("rb") as stream:
        raw = stream.read(RTF_MAX_BYTES)
    text = rtf_to_text(raw.decode("cp1252", errors="replace"), errors="replace")  # type: ignore[no-untyped-call]
    return str(text)[:MAX_TEXT]


def _not_text() -> UnsupportedContent:
    return _refused("ce n'est pas du texte UTF-8", "not UTF-8 text")


def _inspect_text(path: Path) -> str:
    """The whole file must be clean UTF-8 text, not only its head; the first MAX_TEXT
    characters are kept."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    kept: list[str] = []
    length = 0
    with path.open("rb") as stream:
        try:
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                text = decoder.decode(chunk)
                if _CONTROL.search(text):
                    raise _not_text()
                kept.append(text[: MAX_TEXT - length])
                length += len(kept[-1])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise _not_text() from exc
    return "".join(kept)


# --- inspecting -------------------------------------------------------------------------


def inspect(received: Received, *, allowed: frozenset[Format]) -> Inspection:
    found = sniff(received.head)
    if found is None or found not in allowed:
        raise _not_accepted(received.head, allowed)
    if found is Format.CDA:
        document = cda.parse(received.path)
        return Inspection(format=found, text=document.text, cda=document)
    return Inspection(format=found, text=_READERS[found](received.path), cda=None)


_READERS: dict[Format, Callable[[Path], str]] = {
    Format.PDF: _inspect_pdf, Format.RTF: _inspect_rtf, Format.TXT: _inspect_text,
    **{found: _inspect_image(found) for found in _PILLOW},
}
