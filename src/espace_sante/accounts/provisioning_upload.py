"""A register file on local disk, with its SHA-256 and line count, read in one pass.

A run is keyed by the file's SHA-256, which must be known before the first line is
imported: an uploaded stream is therefore spooled to the data directory first (never held
in memory), then read from there.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self

from espace_sante.core.errors import InvalidInput
from espace_sante.settings import Settings

CHUNK = 1 << 20
DEFAULT_UPLOAD_NAME = "upload.ndjson"


@dataclass(frozen=True)
class Upload:
    path: Path
    name: str
    sha256: str
    lines: int


class Spool:
    """A temporary file under ``data_dir/provisioning`` that an upload is written to;
    removed on exit."""

    def __init__(self, settings: Settings) -> None:
        folder = settings.data_dir / "provisioning"
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix="upload-", suffix=".part")
        self.path = Path(name)
        self._file = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


@contextmanager
def local_copy(source: Path | str | BinaryIO, settings: Settings,
               file_name: str | None = None) -> Iterator[Upload]:
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise InvalidInput(f"Fichier introuvable : {path}", f"File not found: {path}")
        with path.open("rb") as f:
            sha256, lines = _digest(f)
        yield Upload(path, file_name or path.name, sha256, lines)
        return
    with Spool(settings) as spool:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            spool.write(chunk)
        spool.close()
        with spool.path.open("rb") as f:
            sha256, lines = _digest(f)
        yield Upload(spool.path, file_name or DEFAULT_UPLOAD_NAME, sha256, lines)


def _digest(f: BinaryIO) -> tuple[str, int]:
    digest, lines, last = hashlib.sha256(), 0, b"\n"
    for chunk in iter(lambda: f.read(CHUNK), b""):
        digest.update(chunk)
        lines += chunk.count(b"\n")
        last = chunk
    if not last.endswith(b"\n"):
        lines += 1  # a last line without its newline
    return digest.hexdigest(), lines
