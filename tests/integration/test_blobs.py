"""Blob stores against real storage: the filesystem, and S3 through a local moto server."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from mypy_boto3_s3.client import S3Client
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.core.blobs import (
    BlobStore,
    EncryptedBlobs,
    FilesystemBlobStore,
    S3BlobStore,
    make_blob_store,
    sweep_orphans,
)
from espace_sante.core.crypto import IntegrityError, Keyring, KeyShredded
from espace_sante.core.db import Base, make_engine, make_session_factory
from espace_sante.core.errors import InvalidInput, NotFound
from espace_sante.settings import BlobBackend, Settings

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
PATIENT_A = "11111111-1111-4111-8111-111111111111"
PATIENT_B = "22222222-2222-4222-8222-222222222222"
REGION = "eu-west-3"


def pieces(data: bytes, size: int = 10_000) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


def read_all(chunks: Iterator[bytes]) -> bytes:
    return b"".join(chunks)


# --- fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_client(s3_endpoint: str) -> S3Client:
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def s3_store(s3_endpoint: str, s3_client: S3Client) -> S3BlobStore:
    store = S3BlobStore(f"test-{uuid.uuid4().hex[:12]}", s3_endpoint, REGION, client=s3_client)
    store.ensure_bucket()
    return store


@pytest.fixture
def fs_store(tmp_path: Path) -> FilesystemBlobStore:
    return FilesystemBlobStore(tmp_path / "blobs")


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest) -> BlobStore:
    name = "fs_store" if request.param == "filesystem" else "s3_store"
    blob_store: BlobStore = request.getfixturevalue(name)
    return blob_store


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine: Engine = make_engine("sqlite:///" + str(tmp_path / "t.db"))
    Base.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


# --- the contract, on both adapters --------------------------------------------------------

def test_put_open_round_trip(store: BlobStore) -> None:
    data = os.urandom(300_000)
    info = store.put("patients/p1/doc", pieces(data))
    assert (info.key, info.size) == ("patients/p1/doc", len(data))
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert store.exists("patients/p1/doc")
    assert read_all(store.open("patients/p1/doc")) == data


def test_empty_blob(store: BlobStore) -> None:
    info = store.put("patients/p1/empty", iter([]))
    assert info.size == 0
    assert read_all(store.open("patients/p1/empty")) == b""


def test_overwrite_replaces_content(store: BlobStore) -> None:
    store.put("patients/p1/doc", [b"v1"])
    store.put("patients/p1/doc", [b"v2"])
    assert read_all(store.open("patients/p1/doc")) == b"v2"


def test_missing_blob_is_not_found(store: BlobStore) -> None:
    assert not store.exists("patients/p1/none")
    with pytest.raises(NotFound):
        store.open("patients/p1/none")
    with pytest.raises(NotFound):
        store.modified_at("patients/p1/none")
    store.delete("patients/p1/none")  # deleting twice is not an error


def test_delete(store: BlobStore) -> None:
    store.put("patients/p1/doc", [b"x"])
    store.delete("patients/p1/doc")
    assert not store.exists("patients/p1/doc")


def test_list_keys_by_prefix(store: BlobStore) -> None:
    for key in ("patients/p1/a", "patients/p1/b", "patients/p2/c", "exports/x"):
        store.put(key, [b"x"])
    assert sorted(store.list_keys("patients/p1/")) == ["patients/p1/a", "patients/p1/b"]
    assert sorted(store.list_keys("patients/")) == [
        "patients/p1/a", "patients/p1/b", "patients/p2/c"]
    assert len(list(store.list_keys(""))) == 4
    assert list(store.list_keys("patients/p9/")) == []


def test_modified_at_is_aware_utc(store: BlobStore) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    store.put("patients/p1/doc", [b"x"])
    stamp = store.modified_at("patients/p1/doc")
    assert stamp.tzinfo is not None
    assert before <= stamp <= datetime.now(UTC) + timedelta(seconds=5)


@pytest.mark.parametrize("key", ["../escape", "patients/../../etc/passwd", "/etc/passwd",
                                 "patients//x", "", "patients/./x", "a\\b", "patients/x/",
                                 "patients/..hidden", "patients/x\x00y"])
def test_unsafe_keys_are_refused(store: BlobStore, key: str) -> None:
    with pytest.raises(InvalidInput):
        store.put(key, [b"x"])
    with pytest.raises(InvalidInput):
        store.open(key)
    with pytest.raises(InvalidInput):
        store.delete(key)


def test_sweep_orphans_keeps_referenced_and_young_blobs(store: BlobStore) -> None:
    for key in ("patients/p1/known", "patients/p1/orphan"):
        store.put(key, [b"x"])
    referenced = {"patients/p1/known"}
    # Cut-off in the past: everything is too young to be judged.
    past = datetime.now(UTC) - timedelta(hours=1)
    assert sweep_orphans(store, referenced.__contains__, past) == 0
    future = datetime.now(UTC) + timedelta(hours=1)
    assert sweep_orphans(store, referenced.__contains__, future) == 1
    assert sorted(store.list_keys("")) == ["patients/p1/known"]


# --- filesystem specifics ----------------------------------------------------------------

def test_filesystem_write_is_atomic(fs_store: FilesystemBlobStore) -> None:
    fs_store.put("patients/p1/doc", [b"original"])

    def failing() -> Iterator[bytes]:
        yield b"half written"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        fs_store.put("patients/p1/doc", failing())
    with pytest.raises(OSError, match="disk full"):
        fs_store.put("patients/p1/new", failing())
    assert read_all(fs_store.open("patients/p1/doc")) == b"original"
    assert not fs_store.exists("patients/p1/new")
    leftovers = [p.name for p in fs_store.root.rglob("*") if p.is_file()]
    assert leftovers == ["doc"]


def test_filesystem_layout(fs_store: FilesystemBlobStore) -> None:
    fs_store.put(f"patients/{PATIENT_A}/f", [b"abc", b"def"])
    assert (fs_store.root / "patients" / PATIENT_A / "f").read_bytes() == b"abcdef"


def test_filesystem_list_prefix_cannot_climb(fs_store: FilesystemBlobStore) -> None:
    with pytest.raises(InvalidInput):
        list(fs_store.list_keys("../"))


def test_filesystem_sweep_uses_age_and_removes_stale_temp_files(
        fs_store: FilesystemBlobStore) -> None:
    for key in ("patients/p1/known", "patients/p1/old-orphan", "patients/p1/new-orphan"):
        fs_store.put(key, [b"x"])
    stale_temp = fs_store.root / "patients" / "p1" / ".tmp-crashed"
    stale_temp.write_bytes(b"partial")
    old = (NOW - timedelta(days=2)).timestamp()
    for path in (fs_store.root / "patients/p1/old-orphan", fs_store.root / "patients/p1/known",
                 stale_temp):
        os.utime(path, (old, old))
    assert "patients/p1/.tmp-crashed" not in set(fs_store.list_keys(""))
    removed = sweep_orphans(fs_store, {"patients/p1/known"}.__contains__,
                            NOW - timedelta(days=1))
    assert removed == 2
    assert sorted(fs_store.list_keys("")) == ["patients/p1/known", "patients/p1/new-orphan"]
    assert not stale_temp.exists()


# --- S3 specifics ------------------------------------------------------------------------

def test_s3_large_blob_goes_multipart(s3_store: S3BlobStore) -> None:
    block = os.urandom(1024 * 1024)
    total = 9 * len(block)  # past both the spool size and upload_fileobj's threshold
    info = s3_store.put("patients/p1/big", (block for _ in range(9)))
    assert info.size == total
    head = s3_store.client.head_object(Bucket=s3_store.bucket, Key="patients/p1/big")
    assert "-" in head["ETag"]  # multipart ETags are "<md5>-<parts>"
    digest = hashlib.sha256()
    for chunk in s3_store.open("patients/p1/big"):
        assert len(chunk) <= 64 * 1024
        digest.update(chunk)
    assert digest.hexdigest() == info.sha256


def test_s3_ensure_bucket_is_idempotent(s3_endpoint: str, s3_client: S3Client) -> None:
    store = S3BlobStore("idempotent-bucket", s3_endpoint, REGION, client=s3_client)
    store.ensure_bucket()
    store.ensure_bucket()
    names = [b.get("Name") for b in s3_client.list_buckets()["Buckets"]]
    assert "idempotent-bucket" in names


# --- encryption on top -------------------------------------------------------------------

def test_encrypted_round_trip(store: BlobStore, factory: sessionmaker[Session]) -> None:
    blobs = EncryptedBlobs(store, Keyring(os.urandom(32)))
    data = ("Compte rendu d'hospitalisation — été 2024. " * 5000).encode()
    with factory() as session, session.begin():
        info = blobs.put(session, PATIENT_A, pieces(data, 4096), now=NOW)
    assert info.key.startswith(f"patients/{PATIENT_A}/")
    assert (info.size, info.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    stored = read_all(store.open(info.key))
    assert b"hospitalisation" not in stored
    assert len(stored) > len(data)
    with factory() as session, session.begin():
        assert read_all(blobs.open(session, PATIENT_A, info.key, now=NOW)) == data


def test_encrypted_blob_of_another_space_is_not_found(
        store: BlobStore, factory: sessionmaker[Session]) -> None:
    blobs = EncryptedBlobs(store, Keyring(os.urandom(32)))
    with factory() as session, session.begin():
        info = blobs.put(session, PATIENT_A, [b"secret"], now=NOW)
        with pytest.raises(NotFound):
            blobs.open(session, PATIENT_B, info.key, now=NOW)
        with pytest.raises(NotFound):
            blobs.delete(PATIENT_B, info.key)
    assert store.exists(info.key)


def test_encrypted_blob_moved_or_altered_does_not_open(
        store: BlobStore, factory: sessionmaker[Session]) -> None:
    blobs = EncryptedBlobs(store, Keyring(os.urandom(32)))
    with factory() as session, session.begin():
        info = blobs.put(session, PATIENT_A, [b"ordonnance " * 100], now=NOW)
    stored = read_all(store.open(info.key))
    moved = f"patients/{PATIENT_A}/{uuid.uuid4()}"
    store.put(moved, [stored])
    missing = f"patients/{PATIENT_A}/{uuid.uuid4()}"
    store.put(info.key, [stored[:-1] + bytes([stored[-1] ^ 1])])
    with factory() as session, session.begin():
        for key in (moved, info.key):
            with pytest.raises(IntegrityError):
                read_all(blobs.open(session, PATIENT_A, key, now=NOW))
        with pytest.raises(NotFound):
            blobs.open(session, PATIENT_A, missing, now=NOW)


def test_shredded_space_cannot_be_read_then_is_purged(
        store: BlobStore, factory: sessionmaker[Session]) -> None:
    keyring = Keyring(os.urandom(32))
    blobs = EncryptedBlobs(store, keyring)
    with factory() as session, session.begin():
        first = blobs.put(session, PATIENT_A, [b"one"], now=NOW)
        blobs.put(session, PATIENT_A, [b"two"], now=NOW)
        other = blobs.put(session, PATIENT_B, [b"kept"], now=NOW)
    with factory() as session, session.begin():
        keyring.shred(session, PATIENT_A, now=NOW)
    with factory() as session, session.begin():
        with pytest.raises(KeyShredded):
            blobs.open(session, PATIENT_A, first.key, now=NOW)
        with pytest.raises(KeyShredded):
            blobs.put(session, PATIENT_A, [b"new"], now=NOW)
        assert read_all(blobs.open(session, PATIENT_B, other.key, now=NOW)) == b"kept"
    assert blobs.purge(PATIENT_A) == 2
    assert list(store.list_keys(f"patients/{PATIENT_A}/")) == []


# --- factory -----------------------------------------------------------------------------

def test_make_blob_store_filesystem(tmp_path: Path) -> None:
    store = make_blob_store(Settings(data_dir=tmp_path, blob_backend=BlobBackend.FILESYSTEM))
    assert isinstance(store, FilesystemBlobStore)
    assert store.root == tmp_path / "blobs"


def test_make_blob_store_s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    store = make_blob_store(Settings(blob_backend=BlobBackend.S3, s3_endpoint_url=s3_endpoint,
                                     s3_bucket="from-settings", s3_region=REGION))
    assert isinstance(store, S3BlobStore)
    store.ensure_bucket()
    store.put("patients/p1/x", [b"via settings"])
    assert read_all(store.open("patients/p1/x")) == b"via settings"


@pytest.mark.parametrize("patient_id", ["a/b", "..", "", "../x"])
def test_encrypted_blobs_refuse_odd_patient_ids(
        fs_store: FilesystemBlobStore, factory: sessionmaker[Session], patient_id: str) -> None:
    blobs = EncryptedBlobs(fs_store, Keyring(os.urandom(32)))
    with factory() as session, session.begin(), pytest.raises(InvalidInput):
        blobs.put(session, patient_id, [b"x"], now=NOW)
    assert list(fs_store.list_keys("")) == []


def test_a_store_can_skip_the_checksum_of_what_it_writes(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    info = store.put("patients/p1/doc", [b"abc", b"de"], checksum=False)
    assert (info.size, info.sha256) == (5, "")
    assert b"".join(store.open("patients/p1/doc")) == b"abcde"
