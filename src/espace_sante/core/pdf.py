"""PDF documents in French (letters, proofs, exports) with fpdf2 and a Unicode font.

The core PDF fonts only cover Latin-1 (no "œ", no "€"): we embed DejaVu Sans, from
Debian's fonts-dejavu-core (installed by ``make``).
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FAMILY = "DejaVu"


class FontMissing(RuntimeError):
    pass


def new_document(title: str, *, author: str = "Espace Santé") -> FPDF:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not regular.exists() or not bold.exists():
        raise FontMissing(f"DejaVu fonts not found in {FONT_DIR}: run `make` (fonts-dejavu-core)")
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_lang("fr")
    pdf.add_font(FAMILY, "", str(regular))
    pdf.add_font(FAMILY, "B", str(bold))
    pdf.set_font(FAMILY, size=11)
    pdf.set_auto_page_break(auto=True, margin=20)
    return pdf
