"""Encryption at rest: key wrapping, crypto-shredding and the segmented blob stream."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.core.crypto import (
    HEADER_BYTES,
    SEALED_SEGMENT_BYTES,
    SEGMENT_BYTES,
    IntegrityError,
    Keyring,
    KeyShredded,
    SpaceKey,
    decrypt_stream,
    encrypt_stream,
)
from espace_sante.core.db import Base, make_engine, make_session_factory

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
MASTER = bytes(range(32))
PATIENT_A = "11111111-1111-4111-8111-111111111111"
PATIENT_B = "22222222-2222-4222-8222-222222222222"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine("sqlite:///" + str(tmp_path / "t.db"))
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def encrypt(key: bytes, aad: bytes, data: bytes, chunk: int = 10_000) -> bytes:
    pieces = (data[i:i + chunk] for i in range(0, len(data), chunk))
    return b"".join(encrypt_stream(key, aad, pieces))


def decrypt(key: bytes, aad: bytes, sealed: bytes, chunk: int = 7_777) -> bytes:
    pieces = (sealed[i:i + chunk] for i in range(0, len(sealed), chunk))
    return b"".join(decrypt_stream(key, aad, pieces))


# --- keyring -----------------------------------------------------------------------------

def test_data_key_is_created_once_and_stored_wrapped(factory: sessionmaker[Session]) -> None:
    keyring = Keyring(MASTER)
    with factory() as session, session.begin():
        key = keyring.data_key(session, PATIENT_A, now=NOW)
    with factory() as session, session.begin():
        assert keyring.data_key(session, PATIENT_A, now=NOW) == key
        row = session.get(SpaceKey, PATIENT_A)
        assert row is not None
        assert len(key) == 32
        assert key not in row.wrapped_key
        assert row.created_at == NOW


def test_each_space_has_its_own_key_and_wrapping(factory: sessionmaker[Session]) -> None:
    keyring = Keyring(MASTER)
    with factory() as session, session.begin():
        key_a = keyring.data_key(session, PATIENT_A, now=NOW)
        key_b = keyring.data_key(session, PATIENT_B, now=NOW)
        wrapped_a = session.get(SpaceKey, PATIENT_A)
        wrapped_b = session.get(SpaceKey, PATIENT_B)
        assert wrapped_a is not None and wrapped_b is not None
        assert key_a != key_b
        assert wrapped_a.wrapped_key != wrapped_b.wrapped_key
        # A wrapped key moved onto another space does not open (AAD = patient id).
        wrapped_b.wrapped_key = wrapped_a.wrapped_key
        with pytest.raises(IntegrityError):
            keyring.data_key(session, PATIENT_B, now=NOW)


def test_wrong_master_key_cannot_unwrap(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        Keyring(MASTER).data_key(session, PATIENT_A, now=NOW)
    with factory() as session, session.begin(), pytest.raises(IntegrityError):
        Keyring(bytes(32)).data_key(session, PATIENT_A, now=NOW)


def test_master_key_must_be_256_bits() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Keyring(b"short")


def test_shredding_makes_the_space_unreadable(factory: sessionmaker[Session]) -> None:
    keyring = Keyring(MASTER)
    with factory() as session, session.begin():
        key = keyring.data_key(session, PATIENT_A, now=NOW)
    sealed = encrypt(key, b"doc", b"compte rendu")
    with factory() as session, session.begin():
        keyring.shred(session, PATIENT_A, now=NOW)
    with factory() as session, session.begin():
        row = session.get(SpaceKey, PATIENT_A)
        assert row is not None
        assert row.wrapped_key == b""
        assert row.shredded_at == NOW
        with pytest.raises(KeyShredded) as caught:
            keyring.data_key(session, PATIENT_A, now=NOW)
    assert caught.value.status == 410
    assert "définitivement effacées" in caught.value.message
    # Only the key could open it, and it is gone; the other spaces are untouched.
    assert decrypt(key, b"doc", sealed) == b"compte rendu"
    with factory() as session, session.begin():
        assert len(keyring.data_key(session, PATIENT_B, now=NOW)) == 32


def test_shredding_an_unknown_space_leaves_a_tombstone(factory: sessionmaker[Session]) -> None:
    keyring = Keyring(MASTER)
    with factory() as session, session.begin():
        keyring.shred(session, PATIENT_A, now=NOW)
        keyring.shred(session, PATIENT_A, now=NOW)  # idempotent
    with factory() as session, session.begin(), pytest.raises(KeyShredded):
        keyring.data_key(session, PATIENT_A, now=NOW)


def test_seal_and_open_small_values() -> None:
    key = os.urandom(32)
    sealed = Keyring.seal("Dr Émile Zoé".encode(), key, b"field:name")
    assert Keyring.open(sealed, key, b"field:name") == "Dr Émile Zoé".encode()
    assert Keyring.seal(b"x", key, b"a") != Keyring.seal(b"x", key, b"a")  # fresh nonce
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    for bad_value, aad in ((bytes(tampered), b"field:name"), (sealed, b"field:other"),
                           (sealed[:10], b"field:name")):
        with pytest.raises(IntegrityError):
            Keyring.open(bad_value, key, aad)


# --- streams -----------------------------------------------------------------------------

@pytest.mark.parametrize("size", [0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1,
                                  3 * SEGMENT_BYTES, 200_001])
def test_stream_round_trip(size: int) -> None:
    key, data = os.urandom(32), os.urandom(size)
    sealed = encrypt(key, b"patients/a/b", data)
    segments = max(1, -(-size // SEGMENT_BYTES))
    assert len(sealed) == HEADER_BYTES + size + 16 * segments
    assert decrypt(key, b"patients/a/b", sealed) == data


def test_stream_is_randomised() -> None:
    key = os.urandom(32)
    assert encrypt(key, b"k", b"same") != encrypt(key, b"k", b"same")


def _split(sealed: bytes) -> tuple[bytes, list[bytes]]:
    body = sealed[HEADER_BYTES:]
    return sealed[:HEADER_BYTES], [body[i:i + SEALED_SEGMENT_BYTES]
                                   for i in range(0, len(body), SEALED_SEGMENT_BYTES)]


def _flip(sealed: bytes, at: int) -> bytes:
    return sealed[:at] + bytes([sealed[at] ^ 0x01]) + sealed[at + 1:]


def _rebuild(sealed: bytes, order: list[int]) -> bytes:
    header, segs = _split(sealed)
    return header + b"".join(segs[i] for i in order)


# The sample has four segments: three full ones and a short final one.
TAMPERINGS: dict[str, Callable[[bytes], bytes]] = {
    "flipped ciphertext byte": lambda s: _flip(s, HEADER_BYTES + 100),
    "flipped tag byte": lambda s: _flip(s, len(s) - 1),
    "flipped nonce prefix": lambda s: _flip(s, 3),
    "unknown version": lambda s: b"\x63" + s[1:],
    "dropped last segment": lambda s: _rebuild(s, [0, 1, 2]),
    "dropped middle segment": lambda s: _rebuild(s, [0, 2, 3]),
    "truncated last segment": lambda s: s[:-1],
    "swapped segments": lambda s: _rebuild(s, [1, 0, 2, 3]),
    "appended segment": lambda s: _rebuild(s, [0, 1, 2, 3, 1]),
    "appended bytes": lambda s: s + b"\x00" * 20,
    "header only": lambda s: s[:HEADER_BYTES],
    "shorter than a header": lambda s: s[:4],
    "empty": lambda s: b"",
}


@pytest.mark.parametrize("case", list(TAMPERINGS))
def test_stream_tampering_is_detected(case: str) -> None:
    key = os.urandom(32)
    sealed = encrypt(key, b"aad", os.urandom(3 * SEGMENT_BYTES + 500))
    with pytest.raises(IntegrityError) as caught:
        decrypt(key, b"aad", TAMPERINGS[case](sealed))
    assert caught.value.status == 500


def test_stream_bound_to_key_and_aad() -> None:
    key = os.urandom(32)
    sealed = encrypt(key, b"patients/a/1", b"ordonnance")
    with pytest.raises(IntegrityError):
        decrypt(key, b"patients/a/2", sealed)
    with pytest.raises(IntegrityError):
        decrypt(os.urandom(32), b"patients/a/1", sealed)


def test_big_stream_is_processed_segment_by_segment() -> None:
    total = 5 * 1024 * 1024
    produced = 0

    def source() -> Iterator[bytes]:
        nonlocal produced
        block = os.urandom(50_000)
        while produced < total:
            piece = block[: total - produced]
            produced += len(piece)
            yield piece

    key = os.urandom(32)
    tracemalloc.start()
    try:
        out = encrypt_stream(key, b"big", source())
        header = next(out)
        assert len(header) == HEADER_BYTES
        first = next(out)
        # Lazy: the first segment leaves before the source is drained.
        assert len(first) == SEALED_SEGMENT_BYTES
        assert produced < 3 * SEGMENT_BYTES
        plain_size = 0
        for plain in decrypt_stream(key, b"big", chain([header, first], out)):
            assert len(plain) <= SEGMENT_BYTES
            plain_size += len(plain)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert plain_size == total
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes: memory grows with the stream"

