"""Codes, ids and keyed hashes by the thousand, for bulk provisioning: the same values as
``activation_codes`` and ``core.db.new_id`` give one at a time, at a fraction of the cost.

A code is ``CODE_LENGTH`` characters from ``ALPHABET`` (31 symbols). Random bytes below
248 (= 8 × 31) map uniformly onto the alphabet by ``byte % 31``; the others are dropped
(rejection sampling), so every character stays uniform, as with ``secrets.choice``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from espace_sante.accounts.activation_codes import ALPHABET, CODE_LENGTH, display

_LIMIT = 256 - 256 % len(ALPHABET)
_TABLE = bytes(ord(ALPHABET[b % len(ALPHABET)]) if b < _LIMIT else 0 for b in range(256))
_DROPPED = bytes(range(_LIMIT, 256))
# RFC 4122 variant: the two top bits of byte 8 are 10, so its first hex digit is 8 to b.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_codes(count: int) -> list[str]:
    """``count`` fresh codes, each as ``activation_codes.new_code`` would draw it."""
    needed = count * CODE_LENGTH
    pool = b""
    while len(pool) < needed:
        # ~3% of bytes are dropped: ask for a little more than needed.
        pool += secrets.token_bytes(needed - len(pool) + needed // 16 + 16).translate(
            _TABLE, _DROPPED
        )
    text = pool[:needed].decode("ascii")
    return [text[i : i + CODE_LENGTH] for i in range(0, needed, CODE_LENGTH)]


def shown(code: str) -> str:
    """``activation_codes.display`` for a 12-character code, without a generator."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


assert CODE_LENGTH == 12 and shown("ABCDEFGHJKMN") == display("ABCDEFGHJKMN")


def new_ids(count: int) -> list[str]:
    """``count`` random UUIDs (version 4), as text like ``core.db.new_id``."""
    raw = secrets.token_bytes(16 * count).hex()
    return [
        f"{raw[i : i + 8]}-{raw[i + 8 : i + 12]}-4{raw[i + 13 : i + 16]}-"
        f"{_VARIANT[raw[i + 16]]}{raw[i + 17 : i + 20]}-{raw[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]


class KeyedHashes:
    """``activation_codes.code_hash`` and ``vitale_hash`` for values already normalised
    (codes drawn here, serials checked by the register): the HMAC key is set up once."""

    def __init__(self, secret: str) -> None:
        self._base = hmac.new(secret.encode(), digestmod=hashlib.sha256)

    def _hash(self, message: str) -> str:
        h = self._base.copy()
        h.update(message.encode())
        return h.hexdigest()

    def code(self, patient_id: str, code: str) -> str:
        return self._hash(f"activation:{patient_id}:{code}")

    def vitale(self, serial: str) -> str:
        return self._hash(f"vitale:{serial}")
