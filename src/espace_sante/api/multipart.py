"""A multipart/form-data upload read as it streams in, its file part written straight into
the dossier's receiver.

Why not Starlette's form parser: it spools the file to a temporary file of its own (one
thread hop per piece of 64 kB or so), which the dossier then copied into its own file
while hashing it: every byte was written twice and read twice. Here python-multipart
parses the body in batches of 1 MB on a worker thread (the event loop never waits on the
disk) and each byte of the file is hashed and written once. Text fields are bounded, and
exactly one file part is accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from espace_sante.core.errors import InvalidInput
from espace_sante.dossier.service import Received, Receiver

BATCH = 1 << 20
MAX_FIELDS = 32
MAX_FIELD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Form:
    fields: dict[str, str]
    file_name: str | None
    received: Received


def _malformed() -> InvalidInput:
    return InvalidInput("Envoi multipart/form-data malformé.",
                        "Malformed multipart/form-data body.")


@dataclass
class _Parts:
    """python-multipart's callbacks: each part's headers, text fields kept in memory, the
    file part written to the receiver."""

    open_file: Callable[[], Receiver]
    file_field: str
    fields: dict[str, str] = field(default_factory=dict)
    file_name: str | None = None
    receiver: Receiver | None = None
    _header: bytearray = field(default_factory=bytearray)
    _value: bytearray = field(default_factory=bytearray)
    _disposition: bytes = b""
    _name: str = ""
    _in_file: bool = False

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {"on_part_begin": self._begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished, "on_part_data": self._data,
                "on_part_end": self._end}

    def _begin(self) -> None:
        self._disposition, self._in_file, self._value = b"", False, bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if self._header.lower() == b"content-disposition":
            self._disposition = bytes(self._value)
        self._header, self._value = bytearray(), bytearray()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise _malformed()
        self._name = options[b"name"].decode("utf-8", "replace")
        if b"filename" not in options:
            if len(self.fields) >= MAX_FIELDS:
                raise InvalidInput("Trop de champs dans l'envoi.", "Too many fields in the body.")
            return
        if self._name != self.file_field or self.receiver is not None:
            raise InvalidInput(f"Un seul fichier est attendu, dans le champ « {self.file_field} ».",
                               f"One file is expected, in the field “{self.file_field}”.")
        self.file_name = options[b"filename"].decode("utf-8", "replace")
        self.receiver, self._in_file = self.open_file(), True

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            assert self.receiver is not None
            self.receiver.write(data[start:end])
            return
        self._value += data[start:end]
        if len(self._value) > MAX_FIELD_BYTES:
            raise InvalidInput(f"Champ « {self._name} » trop long.",
                               f"Field “{self._name}” too long.")

    def _end(self) -> None:
        if not self._in_file:
            try:
                self.fields[self._name] = self._value.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _malformed() from exc


def _finish(parser: MultipartParser, last: bytes) -> None:
    parser.write(last)
    parser.finalize()


async def read_form(request: Request, open_file: Callable[[], Receiver],
                    file_field: str = "file") -> Form:
    """The form's text fields and its one file, received. The caller discards the file."""
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or not params.get(b"boundary"):
        raise InvalidInput("Envoi attendu en multipart/form-data.",
                           "A multipart/form-data body is expected.")
    parts = _Parts(open_file, file_field)
    parser = MultipartParser(params[b"boundary"], parts.callbacks())  # type: ignore[arg-type]
    try:
        batch: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            batch.append(chunk)
            size += len(chunk)
            if size >= BATCH:
                await run_in_threadpool(parser.write, b"".join(batch))
                batch, size = [], 0
        await run_in_threadpool(_finish, parser, b"".join(batch))
        if parts.receiver is None:
            raise InvalidInput(f"Aucun fichier reçu (champ « {file_field} »).",
                               f"No file received (field “{file_field}”).")
        received = await run_in_threadpool(parts.receiver.finish)
    except MultipartParseError as exc:
        if parts.receiver is not None:
            parts.receiver.abort()
        raise _malformed() from exc
    except BaseException:
        if parts.receiver is not None:
            parts.receiver.abort()
        raise
    return Form(parts.fields, parts.file_name, received)
