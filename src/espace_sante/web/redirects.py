"""Where to go back after signing in: the ``next`` parameter of ``/connexion``.

Only a path of this site is accepted. Why so strict: anything else would make the sign-in
page an open redirect, sending a person who has just typed his password to another site.
Refused: absolute and scheme-relative URLs (``https://…``, ``//evil.example``), a
backslash anywhere (browsers read ``/\\evil.example`` as ``//evil.example``), control,
format and space characters (browsers strip some of them, turning ``/\\t/evil`` into
``//evil``), and anything longer than a link of this site needs.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

MAX_LENGTH = 1024


def safe_next(raw: str | None) -> str | None:
    """``raw`` if it is a path of this site, else None (the caller then goes home)."""
    if not raw or len(raw) > MAX_LENGTH or not raw.startswith("/") or raw.startswith("//"):
        return None
    if "\\" in raw or any(ch.isspace() or not ch.isprintable() for ch in raw):
        return None
    parts = urlsplit(raw)
    return raw if not parts.scheme and not parts.netloc else None


def sign_in_url(back_to: str | None) -> str:
    """``/connexion``, with ``next`` when there is somewhere safe to come back to."""
    path = safe_next(back_to)
    return f"/connexion?{urlencode({'next': path})}" if path else "/connexion"
