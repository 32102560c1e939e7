"""How a document is shown, on both sides (patient and professional): its labels in plain
French (message ids translated in ``i18n/en/dossier.po``), its preview, and the routes
that serve its bytes: inline for the page, as a download, and a CDA's embedded PDF.

Only what a browser shows safely is served inline (PDF, images, plain text); anything
else, even asked inline, comes as an attachment, so that a stored file can never run as
a page of ours. Every answer is ``no-store``: health data stays out of caches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

from babel.numbers import format_decimal
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from espace_sante.core.actors import Actor
from espace_sante.dossier import service
from espace_sante.dossier.codes import (
    CATEGORY_LABELS,
    DOC_TYPES,
    EXTENSIONS,
    Category,
    Format,
    SourceKind,
    Status,
)
from espace_sante.dossier.views import DocumentView
from espace_sante.gateway.actor import CurrentActor, container
from espace_sante.web.labels import translate
from espace_sante.web.space_labels import Dates

router = APIRouter(include_in_schema=False)

PATIENT_DOCUMENT = "/espaces/{patient_id}/documents/{document_id}"
PRO_DOCUMENT = "/pro/patients/{patient_id}/documents/{document_id}"
INLINE: Final = frozenset({Format.PDF, Format.JPEG, Format.PNG, Format.TIFF, Format.TXT})
IMAGES: Final = frozenset({Format.JPEG, Format.PNG})  # TIFF: browsers do not draw it
TEXT_PREVIEW_BYTES = 200_000

STATUSES: Final[dict[str, str]] = {
    Status.CURRENT: "En vigueur",
    Status.REPLACED: "Remplacé par une nouvelle version",
    Status.DELETED: "Supprimé",
}
SOURCES: Final[dict[str, str]] = {
    SourceKind.PROFESSIONAL: "Professionnel de santé",
    SourceKind.PATIENT: "Patient ou proche",
    SourceKind.DEVICE: "Application ou objet connecté",
    SourceKind.ORGANISATION: "Établissement de santé",
}
FORMATS: Final[dict[str, str]] = {
    Format.PDF: "PDF",
    Format.JPEG: "Image JPEG",
    Format.PNG: "Image PNG",
    Format.TIFF: "Image TIFF",
    Format.RTF: "Texte RTF",
    Format.TXT: "Texte",
    Format.CDA: "Document structuré CDA",
}
_UNITS = {"fr": ("o", "Ko", "Mo"), "en": ("B", "KB", "MB")}


def category_label(category: Category, lang: str) -> str:
    french, english = CATEGORY_LABELS[category]
    return english if lang == "en" else french


def categories(lang: str) -> list[tuple[str, str]]:
    return [(c.value, category_label(c, lang)) for c in Category]


def doc_types(lang: str) -> list[tuple[str, str]]:
    return [(code, translate(lang, t.display)) for code, t in DOC_TYPES.items()]


def sources(lang: str) -> list[tuple[str, str]]:
    return [(value, translate(lang, french)) for value, french in SOURCES.items()]


def size_label(size: int, lang: str) -> str:
    units = _UNITS.get(lang, _UNITS["fr"])
    if size < 1024:
        return f"{size} {units[0]}"
    scaled, unit = (size / 1024, units[1]) if size < 1024 * 1024 else (size / 1048576, units[2])
    return f"{format_decimal(scaled, '#,##0.#', locale=lang)} {unit}"


@dataclass(frozen=True)
class Shown:
    """A document as its row and its page show it, every label in the page's language."""

    view: DocumentView
    url: str
    category: str
    type: str
    act_date: str
    deposited: str
    author: str
    source: str
    format: str
    size: str
    status: str
    preview: str  # pdf, image, text, cda or none

    @property
    def current(self) -> bool:
        return self.view.status is Status.CURRENT


def shown(view: DocumentView, base: str, lang: str) -> Shown:
    dates, author = Dates(lang), view.author
    return Shown(
        view=view, url=f"{base}/{view.id}", category=category_label(view.category, lang),
        type=translate(lang, view.type_display), act_date=dates.day(view.act_date),
        deposited=dates.day(view.created_at),
        author=" · ".join(p for p in (author.name, author.organisation) if p),
        source=translate(lang, SOURCES[view.source]),
        format=translate(lang, FORMATS[view.format]), size=size_label(view.size, lang),
        status=translate(lang, STATUSES[view.status]), preview=preview_kind(view))


def preview_kind(view: DocumentView) -> str:
    if view.status is Status.DELETED:
        return "none"
    if view.format in IMAGES:
        return "image"
    kinds = {Format.PDF: "pdf", Format.TXT: "text", Format.CDA: "cda"}
    return kinds.get(view.format, "none")


def read_text(chunks: Iterator[bytes]) -> tuple[str, bool]:
    """The beginning of a text document for its page, and whether it was cut."""
    data = bytearray()
    try:
        for chunk in chunks:
            data += chunk
            if len(data) > TEXT_PREVIEW_BYTES:
                break
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    cut = len(data) > TEXT_PREVIEW_BYTES
    return bytes(data[:TEXT_PREVIEW_BYTES]).decode("utf-8", errors="replace"), cut


# -- serving the bytes ------------------------------------------------------------------------


def file_name(view: DocumentView, media: Format) -> str:
    """The title, made a file name: no path, quote or control character; the extension
    of what the content really is, whatever the name it was sent under."""
    title = "".join(ch for ch in view.title if unicodedata.category(ch)[0] != "C")
    title = " ".join(re.sub(r'[\\/:*?"<>|;]+', " ", title).split()).strip(" .")[:100]
    title = title or "document"
    return f"{title}.{EXTENSIONS[media]}"


def disposition(kind: str, name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("_") or "document"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _serve(request: Request, actor: Actor, patient_id: str, document_id: str, *,
           download: bool, preview: bool = False) -> Response:
    view, chunks = service.open_content(container(request), actor, patient_id, document_id,
                                        download=download, preview=preview)
    media = Format.PDF if preview else view.format
    inline = not download and media in INLINE
    headers = {
        "Content-Disposition": disposition("inline" if inline else "attachment",
                                           file_name(view, media)),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    media_type = "text/plain; charset=utf-8" if media is Format.TXT else media.value
    return StreamingResponse(chunks, media_type=media_type, headers=headers)


@router.get(f"{PATIENT_DOCUMENT}/contenu")
@router.get(f"{PRO_DOCUMENT}/contenu")
def inline_content(request: Request, actor: CurrentActor, patient_id: str,
                   document_id: str) -> Response:
    return _serve(request, actor, patient_id, document_id, download=False)


@router.get(f"{PATIENT_DOCUMENT}/telecharger")
@router.get(f"{PRO_DOCUMENT}/telecharger")
def download(request: Request, actor: CurrentActor, patient_id: str,
             document_id: str) -> Response:
    return _serve(request, actor, patient_id, document_id, download=True)


@router.get(f"{PATIENT_DOCUMENT}/apercu")
@router.get(f"{PRO_DOCUMENT}/apercu")
def preview_pdf(request: Request, actor: CurrentActor, patient_id: str,
                document_id: str) -> Response:
    return _serve(request, actor, patient_id, document_id, download=False, preview=True)
