"""A level 1 CDA's embedded file (nonXMLBody, base64): decoded straight to a file in
chunks, its format sniffed from its bytes (the declared mediaType is not trusted)."""

from __future__ import annotations

import binascii
from pathlib import Path
from typing import IO

from espace_sante.core.errors import InvalidInput, UnsupportedContent
from espace_sante.dossier.cda import Attrib, ParseGuard, Tag, feed
from espace_sante.dossier.codes import Format
from espace_sante.dossier.content import HEAD_SIZE, sniff


class _Base64Sink:
    """Decodes base64 as it arrives, four characters at a time, straight to a file."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._pending = b""

    def feed(self, text: str) -> None:
        try:
            data = self._pending + "".join(text.split()).encode("ascii")
            cut = len(data) - len(data) % 4
            self._out.write(binascii.a2b_base64(data[:cut], strict_mode=True))
        except (UnicodeEncodeError, binascii.Error) as exc:
            raise _bad_base64() from exc
        self._pending = data[cut:]

    def close(self) -> None:
        if self._pending:
            raise _bad_base64()


def _bad_base64() -> InvalidInput:
    return InvalidInput("Le contenu base64 du document CDA est invalide.",
                        "The base64 content of the CDA document is invalid.")


class _Extractor(ParseGuard):
    def __init__(self, sink: _Base64Sink) -> None:
        super().__init__()
        self._sink = sink
        self.found = False

    def start(self, tag: Tag, attrib: Attrib) -> None:
        super().start(tag, attrib)
        if self.in_embedded_body():
            if attrib.get("representation") != "B64":
                raise UnsupportedContent(
                    "Seul un corps non structuré encodé en base64 peut être extrait.",
                    "Only a base64-encoded non-structured body can be extracted.")
            self.found = True

    def data(self, data: Tag) -> None:
        if self.in_embedded_body():
            self._sink.feed(data if isinstance(data, str) else data.decode("ascii"))


def extract_embedded(path: Path, out: Path) -> Format:
    """Writes the decoded level-1 body to ``out`` and returns its format, sniffed from its
    bytes (the declared mediaType is not trusted). ``out`` is removed on failure."""
    try:
        with out.open("wb") as stream:
            sink = _Base64Sink(stream)
            extractor = _Extractor(sink)
            feed(path, extractor)
            sink.close()  # not in the target's close(), which lxml calls even after an error
        if not extractor.found:
            raise InvalidInput("Ce document CDA n'a pas de corps non structuré.",
                               "This CDA document has no non-structured body.")
        return _embedded_format(out)
    except BaseException:
        out.unlink(missing_ok=True)
        raise


def _embedded_format(out: Path) -> Format:
    with out.open("rb") as stream:
        found = sniff(stream.read(HEAD_SIZE))
    if found is None or found is Format.CDA:
        raise UnsupportedContent("Le fichier contenu dans le document CDA n'est pas accepté.",
                                 "The file inside the CDA document is not accepted.")
    return found
