"""Blob storage: a port, a filesystem and an S3 adapter, and the encrypting facade.

Stores only ever see ciphertext (``EncryptedBlobs``) and only stream: no file is held
whole in memory. A blob is written before the database row that references it commits,
so a crash in between leaves an unreferenced blob, never a row without its blob;
``sweep_orphans`` removes such leftovers once they are old enough not to be in flight.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol, cast

import boto3
from botocore.exceptions import ClientError
from sqlalchemy.orm import Session

from espace_sante.core.crypto import Keyring, decrypt_stream, encrypt_stream
from espace_sante.core.errors import InvalidInput, NotFound
from espace_sante.settings import BlobBackend

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.literals import BucketLocationConstraintType

    from espace_sante.settings import Settings

READ_CHUNK = 64 * 1024
SPOOL_MAX_BYTES = 8 * 1024 * 1024
TEMP_PREFIX = ".tmp-"
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class BlobInfo:
    key: str
    size: int
    sha256: str  # hex


class BlobStore(Protocol):
    # ``checksum=False``: size only, sha256 "" (encrypted blobs: each AES-GCM segment
    # carries its own tag, and the plaintext's hash is the one people know).
    def put(self, key: str, chunks: Iterable[bytes], *, checksum: bool = True) -> BlobInfo: ...
    def open(self, key: str) -> Iterator[bytes]: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def list_keys(self, prefix: str) -> Iterator[str]: ...
    def modified_at(self, key: str) -> datetime: ...


def check_key(key: str) -> str:
    """Keys are relative, slash-separated, and never climb: ``patients/<id>/<uuid>``."""
    if not all(_is_segment(s) for s in key.split("/")):
        raise _invalid_key(key)
    return key


def space_prefix(patient_id: str) -> str:
    """Where a space's blobs live; the id must be a single segment."""
    if not _is_segment(patient_id):
        raise _invalid_key(patient_id)
    return f"patients/{patient_id}/"


def _is_segment(segment: str) -> bool:
    return _SEGMENT.fullmatch(segment) is not None and ".." not in segment


def _invalid_key(key: str) -> InvalidInput:
    return InvalidInput("Clé de stockage invalide.", "Invalid storage key.", {"key": key[:200]})


def new_blob_key(patient_id: str) -> str:
    return f"{space_prefix(patient_id)}{uuid.uuid4()}"


def _missing() -> NotFound:
    return NotFound("Fichier introuvable.", "File not found.")


class _Digest:
    """Counts and (unless told not to) hashes the bytes that flow through it."""

    def __init__(self, checksum: bool = True) -> None:
        self.size = 0
        self._sha = hashlib.sha256() if checksum else None

    def tap(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.size += len(chunk)
            if self._sha is not None:
                self._sha.update(chunk)
            yield chunk

    def info(self, key: str) -> BlobInfo:
        return BlobInfo(key=key, size=self.size,
                        sha256=self._sha.hexdigest() if self._sha is not None else "")


class FilesystemBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, key: str, chunks: Iterable[bytes], *, checksum: bool = True) -> BlobInfo:
        path = self._path(key)
        _make_dirs(path.parent)
        digest = _Digest(checksum)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in digest.tap(chunks):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        # The rename is only durable once the directory entry is.
        _fsync_dir(path.parent)
        return digest.info(key)

    def open(self, key: str) -> Iterator[bytes]:
        # Opened now rather than on first read, so a missing blob fails at the call site.
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise _missing() from None
        return _read_file(handle)

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        _fsync_dir(path.parent)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list_keys(self, prefix: str) -> Iterator[str]:
        base = prefix.rpartition("/")[0]
        start = self._path(base) if base else self.root
        for directory, dirs, files in os.walk(start):
            dirs.sort()
            for name in sorted(files):
                key = Path(directory, name).relative_to(self.root).as_posix()
                if not name.startswith(TEMP_PREFIX) and key.startswith(prefix):
                    yield key

    def modified_at(self, key: str) -> datetime:
        try:
            return datetime.fromtimestamp(self._path(key).stat().st_mtime, UTC)
        except FileNotFoundError:
            raise _missing() from None

    def remove_stale_temp_files(self, older_than: datetime) -> int:
        """Partial writes left by a crash before ``os.replace``."""
        removed = 0
        for path in self.root.rglob(TEMP_PREFIX + "*"):
            with contextlib.suppress(FileNotFoundError):  # renamed into place meanwhile
                if datetime.fromtimestamp(path.stat().st_mtime, UTC) < older_than:
                    path.unlink()
                    removed += 1
        return removed

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)


def _make_dirs(directory: Path) -> None:
    # Each new directory's entry must reach the disk too, or a crash loses the whole path.
    missing = [d for d in [directory, *directory.parents] if not d.exists()]
    for created in reversed(missing):
        created.mkdir(exist_ok=True)
        _fsync_dir(created.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_file(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(READ_CHUNK):
            yield chunk


class S3BlobStore:
    def __init__(self, bucket: str, endpoint_url: str | None, region: str,
                 client: S3Client | None = None) -> None:
        self.bucket = bucket
        self.region = region
        self.client = client or boto3.client("s3", endpoint_url=endpoint_url,
                                             region_name=region)

    def ensure_bucket(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if not _is_missing(exc):
                raise
        if self.region == "us-east-1":  # the one region that refuses a location constraint
            self.client.create_bucket(Bucket=self.bucket)
        else:
            # The stubs list known regions; S3-compatible services name their own.
            region = cast("BucketLocationConstraintType", self.region)
            self.client.create_bucket(Bucket=self.bucket,
                                      CreateBucketConfiguration={"LocationConstraint": region})

    def put(self, key: str, chunks: Iterable[bytes], *, checksum: bool = True) -> BlobInfo:
        check_key(key)
        digest = _Digest(checksum)
        # Spooled: small blobs stay in memory, big ones go to disk; upload_fileobj then
        # switches to a multipart upload past its threshold.
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES) as spool:
            for chunk in digest.tap(chunks):
                spool.write(chunk)
            spool.seek(0)
            self.client.upload_fileobj(spool, self.bucket, key)
        return digest.info(key)

    def open(self, key: str) -> Iterator[bytes]:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"]
        except ClientError as exc:
            if _is_missing(exc):
                raise _missing() from None
            raise
        return _read_body(body.iter_chunks(READ_CHUNK), body.close)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def exists(self, key: str) -> bool:
        return self._last_modified(key) is not None

    def list_keys(self, prefix: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                if "Key" in item:
                    yield item["Key"]

    def modified_at(self, key: str) -> datetime:
        stamp = self._last_modified(key)
        if stamp is None:
            raise _missing()
        return stamp

    def _last_modified(self, key: str) -> datetime | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise
        return head["LastModified"].astimezone(UTC)


def _is_missing(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NoSuchBucket", "NotFound"}


def _read_body(chunks: Iterator[bytes], close: Callable[[], None]) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        close()


class EncryptedBlobs:
    """Blobs encrypted with their space's data key; the AAD is the blob key, so a blob
    moved or copied under another key no longer opens."""

    def __init__(self, store: BlobStore, keyring: Keyring) -> None:
        self.store = store
        self.keyring = keyring

    def put(self, session: Session, patient_id: str, chunks: Iterable[bytes], *,
            now: datetime) -> BlobInfo:
        """Returns the size and SHA-256 of the plaintext, as the patient knows the file."""
        return self.put_with(self.keyring.data_key(session, patient_id, now=now), patient_id,
                             chunks)

    def put_with(self, data_key: bytes, patient_id: str, chunks: Iterable[bytes], *,
                 known: tuple[int, str] | None = None) -> BlobInfo:
        """``put`` with the space's data key already in hand, so that a large file is
        written outside any database transaction. ``known``: the plaintext's size and
        SHA-256, when the caller hashed it already (a second pass costs ~6 % of an
        upload's time, bench/dossier.py)."""
        key = new_blob_key(patient_id)
        if known is not None:
            self.store.put(key, encrypt_stream(data_key, key.encode(), chunks), checksum=False)
            return BlobInfo(key=key, size=known[0], sha256=known[1])
        digest = _Digest()
        self.store.put(key, encrypt_stream(data_key, key.encode(), digest.tap(chunks)),
                       checksum=False)
        return digest.info(key)

    def open(self, session: Session, patient_id: str, key: str, *,
             now: datetime) -> Iterator[bytes]:
        self._check_owner(patient_id, key)
        data_key = self.keyring.data_key(session, patient_id, now=now)
        return decrypt_stream(data_key, key.encode(), self.store.open(key))

    def delete(self, patient_id: str, key: str) -> None:
        self._check_owner(patient_id, key)
        self.store.delete(key)

    def purge(self, patient_id: str) -> int:
        """Delete every blob of a space (after ``Keyring.shred``, they are noise anyway)."""
        keys = list(self.store.list_keys(space_prefix(patient_id)))
        for key in keys:
            self.store.delete(key)
        return len(keys)

    @staticmethod
    def _check_owner(patient_id: str, key: str) -> None:
        # Another space's blob answers exactly like a missing one.
        if not check_key(key).startswith(space_prefix(patient_id)):
            raise _missing()


def sweep_orphans(store: BlobStore, known_keys: Callable[[str], bool],
                  older_than: datetime) -> int:
    """Delete blobs no row references, written before ``older_than`` (younger ones may
    belong to a transaction still in flight). Returns how many were removed."""
    removed = 0
    for key in store.list_keys(""):
        try:
            young = store.modified_at(key) >= older_than
        except NotFound:  # deleted meanwhile
            continue
        if young or known_keys(key):
            continue
        store.delete(key)
        removed += 1
    if isinstance(store, FilesystemBlobStore):
        removed += store.remove_stale_temp_files(older_than)
    return removed


def make_blob_store(settings: Settings) -> BlobStore:
    if settings.blob_backend is BlobBackend.S3:
        return S3BlobStore(settings.s3_bucket, settings.s3_endpoint_url, settings.s3_region)
    return FilesystemBlobStore(settings.data_dir / "blobs")
