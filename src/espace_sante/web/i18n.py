"""Translations: French is the source language of every string; English comes from the
gettext catalogues ``i18n/en/*.po`` (one per area), read with Babel at start-up."""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.requests import Request

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
CATALOGUES = Path(__file__).parent / "i18n"
current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT)


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> NullTranslations:
    if lang == DEFAULT:
        return NullTranslations()
    merged: NullTranslations | None = None
    for po in sorted((CATALOGUES / lang).glob("*.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(buffer)
        merged = part if merged is None else merged.merge(part)  # type: ignore[attr-defined]
    return merged or NullTranslations()


def gettext(message: str) -> str:
    return translations(current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language.get()).ngettext(singular, plural, n)


def choose_language(request: Request) -> str:
    """Explicit choice (``?lang=``, then the ``lang`` cookie), else the browser's."""
    explicit = request.query_params.get("lang") or request.cookies.get("lang")
    if explicit in LANGUAGES:
        return explicit
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT
