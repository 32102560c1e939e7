"""The text of the PDF files the service writes, read without a PDF library.

Neither pypdf nor poppler's pdftotext is installed, so this reads just what fpdf2 writes:
objects, Flate streams, the ToUnicode map of each embedded TrueType subset, and the
``(…) Tj`` strings of each page (two bytes a glyph). One string a line.
"""

from __future__ import annotations

import re
import zlib

OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
CHAR = re.compile(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]{4,8})>")
FONT_SELECT = re.compile(rb"/(F\d+) [\d.]+ Tf")
ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b",
           ord("f"): b"\f", ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}


def pages_text(data: bytes) -> list[str]:
    objects = {int(n): body for n, body in OBJECT.findall(data)}
    fonts = _fonts(objects)
    pages = []
    for body in objects.values():
        if re.search(rb"/Type /Page\b", body):
            contents = re.search(rb"/Contents (\d+) 0 R", body)
            assert contents is not None
            pages.append(_page_text(_stream(objects[int(contents.group(1))]), fonts))
    return pages


def _stream(body: bytes) -> bytes:
    match = STREAM.search(body)
    assert match is not None
    raw = match.group(1)
    return zlib.decompress(raw) if b"/FlateDecode" in body[: match.start()] else raw


def _fonts(objects: dict[int, bytes]) -> dict[str, dict[int, str]]:
    """Font resource name (F1, F2…) → glyph code → text."""
    maps: dict[int, dict[int, str]] = {}
    for number, body in objects.items():
        ref = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if ref:
            cmap = _stream(objects[int(ref.group(1))])
            maps[number] = {int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
                            for code, text in CHAR.findall(cmap)}
    names: dict[str, dict[int, str]] = {}
    for body in objects.values():
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", body):
            if int(number) in maps:
                names[name.decode()] = maps[int(number)]
    return names


def _page_text(content: bytes, fonts: dict[str, dict[int, str]]) -> str:
    lines, font, i = [], {}, 0
    while i < len(content):
        select = FONT_SELECT.match(content, i)
        if select:
            font, i = fonts.get(select.group(1).decode(), {}), select.end()
        elif content[i : i + 1] == b"(":
            raw, i = _literal(content, i + 1)
            codes = [int.from_bytes(raw[k : k + 2], "big") for k in range(0, len(raw), 2)]
            text = "".join(font.get(code, "?") for code in codes)
            if text.startswith(" ") and lines:  # a word of a justified line
                lines[-1] += text
            else:
                lines.append(text)
        else:
            i += 1
    return "\n".join(lines)


def _literal(content: bytes, i: int) -> tuple[bytes, int]:
    """A PDF literal string from just after its "(": its bytes and where it ends."""
    out, depth = bytearray(), 0
    while True:
        byte = content[i]
        if byte == ord("\\"):
            nxt = content[i + 1]
            if nxt in ESCAPES:
                out += ESCAPES[nxt]
                i += 2
                continue
            octal = re.match(rb"[0-7]{1,3}", content[i + 1 : i + 4])
            assert octal is not None, content[i : i + 4]
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
            continue
        if byte == ord(")") and depth == 0:
            return bytes(out), i + 1
        depth += {ord("("): 1, ord(")"): -1}.get(byte, 0)
        out.append(byte)
        i += 1
