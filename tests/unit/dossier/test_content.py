from __future__ import annotations

import gzip
import hashlib
import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript

from espace_sante.core.errors import InvalidInput, TooLarge, UnsupportedContent
from espace_sante.dossier import content
from espace_sante.dossier.codes import PATIENT_FORMATS, Format
from tests.shared_data import CDA

DATA = CDA
ALL = frozenset(Format)
CDA_HEAD = '<ClinicalDocument xmlns="urn:hl7-org:v3">'


def receive(tmp_path: Path, data: bytes, limit: int = 10_000_000) -> content.Received:
    return content.receive(chunked(data), limit=limit, tmp_dir=tmp_path / "uploads")


def chunked(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start: start + size]


def inspect(tmp_path: Path, data: bytes,
            allowed: frozenset[Format] = PATIENT_FORMATS) -> content.Inspection:
    received = receive(tmp_path, data)
    try:
        return content.inspect(received, allowed=allowed)
    finally:
        content.discard(received)


def leftovers(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "uploads").iterdir())


def image(kind: str, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return out.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(
        ">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny 1-bit PNG whose header announces width × height pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width // 8 + 2))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def bonjour_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text="Bonjour")
    return bytes(pdf.output())


def rewritten(pdf: bytes, *, script: str | None = None, password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf)))
    if script is not None:
        writer.add_open_action(JavaScript(script))
    if password is not None:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def handmade_pdf(catalog_extra: bytes) -> bytes:
    """A one-page PDF written by hand, with a correct cross-reference table."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


# --- receive ----------------------------------------------------------------------------


def test_receive_streams_hashes_and_keeps_the_head(tmp_path: Path) -> None:
    data = bytes(range(256)) * 100
    received = receive(tmp_path, data)
    assert received.size == len(data)
    assert received.sha256 == hashlib.sha256(data).hexdigest()
    assert received.head == data[: content.HEAD_SIZE]
    assert received.path.read_bytes() == data
    assert received.path.parent == tmp_path / "uploads"
    assert received.path.name.startswith("upload-")
    content.discard(received)
    assert not received.path.exists()


def test_empty_upload_is_refused_and_removed(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        receive(tmp_path, b"")
    assert err.value.message == "Le fichier est vide."
    assert leftovers(tmp_path) == []


def test_oversize_is_refused_as_soon_as_it_shows(tmp_path: Path) -> None:
    limit = 5 * 1024 * 1024
    pulled: list[int] = []

    def endless() -> Iterator[bytes]:
        while True:
            pulled.append(1)
            yield b"x" * 1024 * 1024

    with pytest.raises(TooLarge) as err:
        content.receive(endless(), limit=limit, tmp_dir=tmp_path / "uploads")
    assert err.value.message == "Le fichier dépasse la taille maximale de 5 Mo."
    assert "5 MB" in err.value.message_en
    assert len(pulled) == 6
    assert leftovers(tmp_path) == []


def test_exactly_the_limit_is_accepted(tmp_path: Path) -> None:
    assert receive(tmp_path, b"a" * 2048, limit=2048).size == 2048


def test_a_failing_upload_leaves_no_file(tmp_path: Path) -> None:
    def broken() -> Iterator[bytes]:
        yield b"debut"
        raise ConnectionError

    with pytest.raises(ConnectionError):
        content.receive(broken(), limit=100, tmp_dir=tmp_path / "uploads")
    assert leftovers(tmp_path) == []


# --- sniff ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n", Format.PDF),
        (image("JPEG"), Format.JPEG),
        (image("PNG"), Format.PNG),
        (image("TIFF"), Format.TIFF),
        (b"MM\x00*\x00\x00\x00\x08", Format.TIFF),
        (b"{\\rtf1\\ansi Bonjour}", Format.RTF),
        ("Tension 12/8, à revoir.\n\tOK\f".encode(), Format.TXT),
        (b"\xef\xbb\xbfBonjour", Format.TXT),
        ("é".encode() * 5000, Format.TXT),  # the head cuts a two-byte character
        (CDA_HEAD.encode(), Format.CDA),
        (b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<!-- en-tete -->\n'
         b'<?xml-stylesheet href="x.xsl"?>' + CDA_HEAD.encode(), Format.CDA),
        (b'<h:ClinicalDocument xmlns:h="urn:hl7-org:v3">', Format.CDA),
    ],
)
def test_sniff_recognises(head: bytes, expected: Format) -> None:
    assert content.sniff(head[: content.HEAD_SIZE]) is expected


@pytest.mark.parametrize(
    "head",
    [
        b"PK\x03\x04\x14\x00",
        gzip.compress(b"bonjour"),
        b"MZ\x90\x00\x03\x00\x00\x00",
        b"\x7fELF\x02\x01\x01",
        b"<!DOCTYPE html><html><script>alert(1)</script>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<ClinicalDocument xmlns="urn:other"/>',
        b"<ClinicalDocument/>",
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + CDA_HEAD.encode(),
        b"texte\x00avec NUL",
        b"bip\x07",
        "é en latin-1".encode("latin-1"),
        bytes(range(256)),
    ],
)
def test_sniff_refuses(head: bytes) -> None:
    assert content.sniff(head) is None


# --- inspect: the format decides, never the name ------------------------------------------


def test_a_png_named_pdf_is_a_png(tmp_path: Path) -> None:
    named = tmp_path / "ordonnance.pdf"
    named.write_bytes(image("PNG"))
    with named.open("rb") as stream:
        received = content.receive(iter(lambda: stream.read(100), b""), limit=10**6,
                                   tmp_dir=tmp_path / "uploads")
    assert content.inspect(received, allowed=PATIENT_FORMATS).format is Format.PNG


def test_zip_is_refused_with_the_accepted_formats(tmp_path: Path) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.pdf", b"%PDF-1.4")
    with pytest.raises(UnsupportedContent) as err:
        inspect(tmp_path, archive.getvalue())
    assert err.value.message == (
        "Ce type de fichier n'est pas accepté (contenu reconnu : archive ZIP). "
        "Formats acceptés : PDF, JPEG, PNG, TIFF, RTF, texte.")
    assert err.value.message_en.startswith("This type of file is not accepted")


def test_a_format_outside_the_allowed_set_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedContent) as err:
        inspect(tmp_path, b"%PDF-1.4", frozenset({Format.JPEG}))
    assert "contenu reconnu : PDF" in err.value.message
    assert err.value.message.endswith("Formats acceptés : JPEG.")


def test_binary_garbage_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedContent) as err:
        inspect(tmp_path, bytes(range(256)) * 4)
    assert "inconnu" in err.value.message


# --- PDF --------------------------------------------------------------------------------


def test_clean_pdf_gives_its_text(tmp_path: Path) -> None:
    result = inspect(tmp_path, rewritten(bonjour_pdf()))
    assert result.format is Format.PDF and "Bonjour" in result.text and result.cda is None


@pytest.mark.parametrize(
    "catalog",
    [b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
     b"/OpenAction << /S /Launch /F (calc.exe) >>",
     b"/AA << /WC << /S /JavaScript /JS (app.alert(2)) >> >>",
     b"/Names << /JavaScript << /Names [(a) << /S /JavaScript /JS (x) >>] >> >>"],
)
def test_pdf_with_active_content_is_refused(tmp_path: Path, catalog: bytes) -> None:
    with pytest.raises(UnsupportedContent) as err:
        inspect(tmp_path, handmade_pdf(catalog))
    assert "JavaScript" in err.value.message and "JavaScript" in err.value.message_en


def test_handmade_pdf_without_action_is_accepted(tmp_path: Path) -> None:
    assert inspect(tmp_path, handmade_pdf(b"/PageMode /UseNone")).format is Format.PDF


def test_pdf_with_script_added_by_pypdf_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedContent):
        inspect(tmp_path, rewritten(bonjour_pdf(), script="app.alert(1)"))


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedContent) as err:
        inspect(tmp_path, rewritten(bonjour_pdf(), password="secret"))
    assert "chiffré" in err.value.message


@pytest.mark.parametrize("data", [b"%PDF-1.4\ngarbage", bonjour_pdf()[:300]])
def test_unreadable_pdf_is_refused(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(UnsupportedContent) as err:
        inspect(tmp_path, data)
    assert "PDF illisible" in err.value.message


def test_pdf_text_is_bounded(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=6)
    for page in range(60):
        pdf.add_page()
        pdf.multi_cell(w=0, text=f"page{page} " + "mot " * 400)
    result = inspect(tmp_path, bytes(pdf.output()))
    assert "page49 " in result.text and "page50 " not in result.text
    assert len(result.text) <= content.MAX_TEXT


# --- images -----------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "expected"),
                         [("JPEG", Format.JPEG), ("PNG", Format.PNG), ("TIFF", Format.TIFF)])
def test_valid_images_are_accepted(tmp_path: Path, kind: str, expected: Format) -> None:
    result = inspect(tmp_path, image(kind))
    assert (result.format, result.text) == (expected, "")


@pytest.mark.parametrize(("size", "by_pillow"), [((20_000, 20_000), True), ((9_000, 9_000), False)],
                         ids=["beyond Pillow's limit", "beyond ours"])
def test_decompression_bomb_is_refused(tmp_path: Path, size: tuple[int, int],
                                       by_pillow: bool) -> None:
    data = png_claiming(*size)
    assert len(data) < 10_000
    with pytest.raises(UnsupportedContent) as err:
        inspect(tmp_path, data)
    assert "image trop grande ou malformée" in err.value.message
    assert "image too large" in err.value.message_en
    assert isinstance(err.value.__cause__, Image.DecompressionBombError) is by_pillow


def test_small_crafted_png_is_accepted(tmp_path: Path) -> None:
    assert inspect(tmp_path, png_claiming(64, 64)).format is Format.PNG


def test_corrupted_png_is_refused(tmp_path: Path) -> None:
    data = bytearray(image("PNG"))
    data[-20] ^= 0xFF  # breaks the checksum of the last data chunk
    with pytest.raises(UnsupportedContent) as err:
        inspect(tmp_path, bytes(data))
    assert "image" in err.value.message


def test_truncated_jpeg_header_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedContent):
        inspect(tmp_path, b"\xff\xd8\xff\xe0garbage")


# --- RTF and text -----------------------------------------------------------------------


def test_rtf_text_is_extracted(tmp_path: Path) -> None:
    rtf = rb"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}\f0 Bonjour {\b le} monde \'e9t\'e9\par}"
    result = inspect(tmp_path, rtf)
    assert result.format is Format.RTF
    assert "Bonjour le monde été" in result.text
    assert "fonttbl" not in result.text and "Arial" not in result.text


def test_rtf_with_an_embedded_object_is_refused(tmp_path: Path) -> None:
    rtf = rb"{\rtf1\ansi Lettre {\object\objemb{\*\objdata 01050000020000000b000000}}}"
    with pytest.raises(UnsupportedContent) as err:
        inspect(tmp_path, rtf)
    assert "objet" in err.value.message


def test_utf8_text_is_accepted(tmp_path: Path) -> None:
    text = "Glycémie à jeun : 0,95 g/l\r\nÀ recontrôler dans 3 mois.\n"
    result = inspect(tmp_path, b"\xef\xbb\xbf" + text.encode())
    assert (result.format, result.text) == (Format.TXT, text)


def test_text_is_bounded(tmp_path: Path) -> None:
    result = inspect(tmp_path, "ligne é\n".encode() * 20_000)
    assert result.text == ("ligne é\n" * 20_000)[: content.MAX_TEXT]


def test_binary_after_a_text_head_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedContent) as err:
        inspect(tmp_path, b"a" * 10_000 + b"\x00\x01\x02")
    assert "UTF-8" in err.value.message


def test_invalid_utf8_after_a_text_head_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedContent):
        inspect(tmp_path, b"a" * 10_000 + "é".encode("latin-1") + b"bc")


# --- CDA --------------------------------------------------------------------------------


def test_cda_is_parsed_when_allowed(tmp_path: Path) -> None:
    result = inspect(tmp_path, (DATA / "VSM_1.4_2022.01.xml").read_bytes(), ALL)
    assert result.format is Format.CDA
    assert result.cda is not None and result.cda.type_code == "SYNTH"
    assert "Synthèse Médicale" in result.text


def test_cda_is_refused_for_a_patient(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedContent) as err:
        inspect(tmp_path, (DATA / "VAC_2023.01.xml").read_bytes())
    assert "contenu reconnu : CDA (HL7)" in err.value.message


def test_cda_with_external_entity_is_refused_unread(tmp_path: Path) -> None:
    data = (b'<?xml version="1.0"?><!DOCTYPE ClinicalDocument '
            b'[<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            + CDA_HEAD.encode() + b"<title>&e;</title></ClinicalDocument>")
    with pytest.raises(UnsupportedContent) as err:
        inspect(tmp_path, data, ALL)
    assert "root:" not in err.value.message and "root:" not in err.value.message_en
