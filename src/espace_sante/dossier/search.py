"""The text a document is searched by: lower case, without accents, one space between
words, so that "echographie" finds "Échographie" and a plain ``LIKE`` (no per-character
case folding in the database) does the matching on SQLite and PostgreSQL alike."""

from __future__ import annotations

import unicodedata

# French ligatures are letters of their own to Unicode, not decomposable: people type
# "coeur" for "cœur".
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def head(title: str, author: str, organisation: str | None) -> str:
    """What a document is found by besides its content: title, author, organisation."""
    return normalise(" ".join((title, author, organisation or "")))
