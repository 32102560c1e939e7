"""Paper letters for the print shop: pending ``letter`` notices batched into PDF files.

The outbox dispatcher never sends ``Channel.LETTER`` messages; this job does. Each run
takes up to ``max_per_file`` pending letters, draws one page per letter (sender, the
address block placed for a window envelope, date, title, the text with its activation
code) and writes the PDF atomically (temporary file, fsync, rename) under
``data_dir/letters``. Only once the file exists are the letters marked sent, in the
transaction that claimed them: a crash before the commit leaves them pending (and the
file is removed), so no letter is lost; at worst a file is printed twice.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from babel.dates import format_date
from fpdf import FPDF
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from espace_sante.accounts.provisioning_notices import PARIS, TITLE
from espace_sante.core.clock import Clock
from espace_sante.core.notify import Channel, OutboxMessage
from espace_sante.core.pdf import FAMILY, new_document
from espace_sante.settings import Settings

MAX_PER_FILE = 500
SENDER = ("Assurance Maladie — Espace Santé", "Service des espaces santé", "CS 70000",
          "75900 PARIS CEDEX 15")
CODE_LINE = "Code d'activation provisoire"
ENGLISH_MARK = "—"
# Where the address shows through a window envelope (DL, window on the right), in mm.
ADDRESS_X, ADDRESS_Y, ADDRESS_W = 110, 48, 85


def batch_letters(factory: sessionmaker[Session], settings: Settings, clock: Clock, *,
                  max_per_file: int = MAX_PER_FILE) -> list[Path]:
    """Write every pending letter into PDF files of at most ``max_per_file`` pages; return
    the files written."""
    folder = settings.data_dir / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    while (path := _one_file(factory, clock, folder, max_per_file, len(written))) is not None:
        written.append(path)
    return written


def _one_file(factory: sessionmaker[Session], clock: Clock, folder: Path, limit: int,
              index: int) -> Path | None:
    with factory() as session:
        letters = _claim(session, limit)
        if not letters:
            return None
        now = clock.now()
        path = folder / f"lettres-{now:%Y%m%dT%H%M%S}-{index:04d}-{letters[0].id[:8]}.pdf"
        _write_atomically(path, render(letters))
        try:
            session.execute(update(OutboxMessage)
                            .where(OutboxMessage.id.in_([m.id for m in letters]))
                            .values(sent_at=now, last_error=None))
            session.commit()
        except BaseException:
            path.unlink(missing_ok=True)  # still pending: they will be in the next file
            raise
        return path


def _claim(session: Session, limit: int) -> list[OutboxMessage]:
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.channel == Channel.LETTER, OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
    )
    # Several workers: each takes letters the others have not (SQLite runs one writer).
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def render(letters: Sequence[OutboxMessage]) -> bytes:
    pdf = new_document("Espace Santé — courriers d'activation")
    pdf.set_margins(20, 18, 20)
    writer = _Writer(pdf)
    for letter in letters:
        pdf.add_page()
        _page(writer, letter.recipient, letter.created_at, letter.body)
    return bytes(pdf.output())


class _Writer:
    """Left-aligned text wrapped by words, each paragraph measured once per file.

    Why not ``FPDF.multi_cell``: its line breaking measures the line again at every
    character, which made a letter cost ~15 ms; most paragraphs are the same in every
    letter, so wrapping them once per file and writing the lines is many times faster.
    Left-aligned, not justified: even word spacing reads better (accessibility)."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self._wrapped: dict[tuple[str, str, float, float], list[str]] = {}

    def font(self, style: str, size: float) -> _Writer:
        self.pdf.set_font(FAMILY, style, size)
        return self

    def text(self, text: str, height: float, *, width: float = 0.0, align: str = "L") -> None:
        pdf, x = self.pdf, self.pdf.get_x()
        width = width or pdf.epw
        for line in self._wrap(text, width):
            pdf.set_x(x)
            pdf.cell(width, height, line, align=align, new_x="LEFT", new_y="NEXT")
        pdf.set_x(pdf.l_margin)

    def _wrap(self, text: str, width: float) -> list[str]:
        key = (text, self.pdf.font_style, self.pdf.font_size_pt, width)
        if key not in self._wrapped:
            self._wrapped[key] = [line for raw in text.split("\n")
                                  for line in self._lines(raw, width)]
        return self._wrapped[key]

    def _lines(self, text: str, width: float) -> list[str]:
        measure, lines, current, used = self.pdf.get_string_width, [], "", 0.0
        space = measure(" ")
        for word in text.split(" "):
            size = measure(word)
            if current and used + space + size > width:
                lines.append(current)
                current, used = word, size
            else:
                current, used = (f"{current} {word}", used + space + size) if current else (
                    word, size)
        return [*lines, current]


def _page(w: _Writer, recipient: str, created_at: datetime, body: str) -> None:
    w.font("B", 10).text(SENDER[0], 5, width=90)
    w.font("", 10).text("\n".join(SENDER[1:]), 5, width=90)
    w.pdf.set_xy(ADDRESS_X, ADDRESS_Y)
    w.font("", 11).text(recipient.upper(), 5.5, width=ADDRESS_W)
    day = format_date(created_at.astimezone(PARIS).date(), "d MMMM y", locale="fr")
    w.pdf.set_xy(ADDRESS_X, ADDRESS_Y + 38)
    w.text(f"Paris, le {day}", 6, width=ADDRESS_W)
    w.pdf.set_y(ADDRESS_Y + 55)
    w.font("B", 15).text(TITLE, 8)
    w.pdf.ln(3)
    _body(w, body)


def _body(w: _Writer, body: str) -> None:
    french, _, english = body.partition(f"\n\n{ENGLISH_MARK}\n")
    for paragraph in french.split("\n\n"):
        if paragraph.startswith(CODE_LINE):
            # The code stands out: the one thing the reader must type.
            label, _, rest = paragraph.partition("\n")
            w.font("", 11).text(label.split(":")[0].strip() + " :", 6)
            w.font("B", 18).text(label.split(":", 1)[1].strip(), 10, align="C")
            paragraph = rest
        w.font("", 11).text(paragraph, 5.5)
        w.pdf.ln(2.5)
    if english:
        w.font("", 8.5).text(f"In English: {english.strip()}", 4.5)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(".pdf.tmp")
    with temporary.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)
