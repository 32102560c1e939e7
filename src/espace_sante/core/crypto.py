"""Encryption at rest: one data key per patient space, wrapped by the master key.

Each space gets its own random AES-256 key, stored only wrapped (AES-256-GCM under the
master key, AAD = patient id, so a wrapped key copied onto another space will not open).
Erasing a space is crypto-shredding: the wrapped key is overwritten, and every copy of the
space's ciphertext, backups included, becomes unreadable.

Blobs use a segmented AES-256-GCM stream so neither side ever holds a whole file::

    header  = version (1 byte) || nonce prefix (8 random bytes)
    segment = AES-GCM(key, nonce = prefix || counter (4 bytes, big-endian),
                      aad = header || counter || final flag (1 byte) || caller aad)

Every plaintext segment is 64 KiB except the last one (0 to 64 KiB), which alone carries
final flag 1. Reordering breaks the counter, truncation leaves a last segment not sealed
as final, extension leaves a segment sealed as final followed by more.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary, String
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Mapped, Session, mapped_column

from espace_sante.core.db import Base, UTCDateTime
from espace_sante.core.errors import DomainError

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
STREAM_VERSION = 1
PREFIX_BYTES = 8
HEADER_BYTES = 1 + PREFIX_BYTES
SEGMENT_BYTES = 64 * 1024
SEALED_SEGMENT_BYTES = SEGMENT_BYTES + TAG_BYTES
MAX_SEGMENTS = 2**32


class KeyShredded(DomainError):
    status = 410
    code = "deleted"

    @classmethod
    def default(cls) -> KeyShredded:
        return cls(
            "Les données de cet espace ont été définitivement effacées.",
            "The data of this space has been permanently erased.",
        )


class IntegrityError(DomainError):
    """Ciphertext that fails authentication: corruption or tampering, never a user error."""

    status = 500
    code = "exception"

    @classmethod
    def default(cls) -> IntegrityError:
        return cls(
            "Des données chiffrées sont altérées ou incomplètes ; elles ne peuvent pas être lues.",
            "Encrypted data is altered or incomplete; it cannot be read.",
        )


class SpaceKey(Base):
    __tablename__ = "space_keys"

    patient_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    shredded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Keyring:
    """Hands out each space's data key, creating it on first use."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != KEY_BYTES:
            raise ValueError("the master key must be 32 bytes (AES-256)")
        self._master_key = master_key

    def data_key(self, session: Session, patient_id: str, *, now: datetime) -> bytes:
        row = session.get(SpaceKey, patient_id)
        if row is None:
            row = self._create(session, patient_id, now)
        if row.shredded_at is not None:
            raise KeyShredded.default()
        return self.open(row.wrapped_key, self._master_key, patient_id.encode())

    def shred(self, session: Session, patient_id: str, *, now: datetime) -> None:
        """Destroy the space's key. The overwritten value may survive in free database pages
        until they are reused (PostgreSQL VACUUM, SQLite secure_delete/VACUUM)."""
        row = session.get(SpaceKey, patient_id)
        if row is None:
            # A tombstone, so that a later use cannot silently start a fresh key.
            session.add(SpaceKey(patient_id=patient_id, wrapped_key=b"", created_at=now,
                                 shredded_at=now))
        elif row.shredded_at is None:
            row.wrapped_key = b""
            row.shredded_at = now
        session.flush()

    @staticmethod
    def forget_shredded(session: Session, patient_id: str) -> None:
        """Remove a shredded key's tombstone, so the next use creates a fresh key. Only for
        an explicit new start of the space (reopening after an opposition): the old
        ciphertext stays unreadable, the new key opens nothing of it."""
        row = session.get(SpaceKey, patient_id)
        if row is not None and row.shredded_at is not None:
            session.delete(row)
            session.flush()

    @staticmethod
    def seal(plaintext: bytes, key: bytes, aad: bytes) -> bytes:
        """Encrypt a small value; returns nonce || ciphertext || tag."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)

    @staticmethod
    def open(sealed: bytes, key: bytes, aad: bytes) -> bytes:
        if len(sealed) < NONCE_BYTES + TAG_BYTES:
            raise IntegrityError.default()
        try:
            return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
        except InvalidTag:
            raise IntegrityError.default() from None

    def _create(self, session: Session, patient_id: str, now: datetime) -> SpaceKey:
        key = AESGCM.generate_key(bit_length=256)
        row = SpaceKey(patient_id=patient_id, created_at=now,
                       wrapped_key=self.seal(key, self._master_key, patient_id.encode()))
        try:
            # Two first uses may race (PostgreSQL); the loser adopts the winner's key.
            with session.begin_nested():
                session.add(row)
        except sa_exc.IntegrityError:
            existing = session.get(SpaceKey, patient_id, populate_existing=True)
            if existing is None:
                raise
            return existing
        return row


def encrypt_stream(key: bytes, aad: bytes, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Yield the header, then one sealed segment per 64 KiB of plaintext."""
    aead = AESGCM(key)
    header = bytes([STREAM_VERSION]) + os.urandom(PREFIX_BYTES)
    yield header
    buffer = bytearray()
    counter = 0
    for chunk in chunks:
        buffer += chunk
        # Strictly more than one segment: only the end of input can tell which one is last.
        while len(buffer) > SEGMENT_BYTES:
            yield _seal_segment(aead, header, aad, counter, bytes(buffer[:SEGMENT_BYTES]),
                                final=False)
            del buffer[:SEGMENT_BYTES]
            counter += 1
    yield _seal_segment(aead, header, aad, counter, bytes(buffer), final=True)


def decrypt_stream(key: bytes, aad: bytes, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Yield plaintext segment by segment, each only once authenticated. A tampered stream
    raises ``IntegrityError`` when reached: consumers that must not act on partial data
    should read to the end before acting."""
    aead = AESGCM(key)
    buffer = bytearray()
    header: bytes | None = None
    counter = 0
    for chunk in chunks:
        buffer += chunk
        if header is None:
            if len(buffer) < HEADER_BYTES:
                continue
            header = _check_header(bytes(buffer[:HEADER_BYTES]))
            del buffer[:HEADER_BYTES]
        while len(buffer) > SEALED_SEGMENT_BYTES:
            yield _open_segment(aead, header, aad, counter,
                                bytes(buffer[:SEALED_SEGMENT_BYTES]), final=False)
            del buffer[:SEALED_SEGMENT_BYTES]
            counter += 1
    if header is None or len(buffer) < TAG_BYTES:
        raise IntegrityError.default()
    yield _open_segment(aead, header, aad, counter, bytes(buffer), final=True)


def _check_header(header: bytes) -> bytes:
    if header[0] != STREAM_VERSION:
        raise IntegrityError.default()
    return header


def _segment_nonce_and_aad(header: bytes, aad: bytes, counter: int,
                           final: bool) -> tuple[bytes, bytes]:
    if counter >= MAX_SEGMENTS:
        raise ValueError("stream too long for a 32-bit segment counter")
    packed = struct.pack(">I", counter)
    return header[1:] + packed, header + packed + (b"\x01" if final else b"\x00") + aad


def _seal_segment(aead: AESGCM, header: bytes, aad: bytes, counter: int, plaintext: bytes,
                  *, final: bool) -> bytes:
    nonce, segment_aad = _segment_nonce_and_aad(header, aad, counter, final)
    return aead.encrypt(nonce, plaintext, segment_aad)


def _open_segment(aead: AESGCM, header: bytes, aad: bytes, counter: int, sealed: bytes,
                  *, final: bool) -> bytes:
    nonce, segment_aad = _segment_nonce_and_aad(header, aad, counter, final)
    try:
        return aead.decrypt(nonce, sealed, segment_aad)
    except InvalidTag:
        raise IntegrityError.default() from None
