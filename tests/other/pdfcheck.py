"""A strict structural check of a classic (xref-table) PDF file, for the invoice tests.

It checks what a reader relies on to open a file without repairing it: the
``%PDF-1.x`` header, ``%%EOF`` at the end, ``startxref`` pointing at the
``xref`` keyword, a cross-reference table whose every in-use entry points
exactly at ``N 0 obj``, a trailer whose ``/Size`` matches the table and whose
``/Root`` is a catalog, a page tree whose ``/Count`` matches its kids, and
streams whose ``/Length`` matches their bytes.  It is independent of the
emulator's writer (nothing is imported from it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class PdfError(AssertionError):
    pass


@dataclass(frozen=True)
class PdfSummary:
    version: str
    objects: int
    pages: int
    text: str  # every literal string shown with Tj, joined by newlines


_OBJ = re.compile(rb"(\d+) 0 obj\b")


def _object_body(data: bytes, offset: int, number: int) -> bytes:
    match = _OBJ.match(data, offset)
    if match is None or int(match.group(1)) != number:
        raise PdfError(f"xref entry of object {number} points at {data[offset : offset + 20]!r}")
    end = data.find(b"endobj", match.end())
    if end < 0:
        raise PdfError(f"object {number} has no endobj")
    return data[match.end() : end]


def _ref(body: bytes, key: bytes) -> int:
    match = re.search(rb"/" + key + rb"\s+(\d+)\s+0\s+R", body)
    if match is None:
        raise PdfError(f"no /{key.decode()} reference in {body[:80]!r}")
    return int(match.group(1))


def _unescape(literal: bytes) -> str:
    out = bytearray()
    i = 0
    while i < len(literal):
        byte = literal[i]
        if byte == 0x5C and i + 1 < len(literal):  # backslash
            out.append(literal[i + 1])
            i += 2
        else:
            out.append(byte)
            i += 1
    return out.decode("latin-1")


def check_pdf(data: bytes) -> PdfSummary:
    """Raise PdfError unless ``data`` is a well-formed PDF; describe it otherwise."""
    header = re.match(rb"%PDF-(1\.[0-7])\r?\n", data)
    if header is None:
        raise PdfError(f"no %PDF-1.x header: {data[:16]!r}")
    if not data.rstrip().endswith(b"%%EOF"):
        raise PdfError("the file does not end with %%EOF")
    tail = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data)
    if tail is None:
        raise PdfError("no startxref before %%EOF")
    xref_at = int(tail.group(1))
    if not data.startswith(b"xref", xref_at):
        raise PdfError(f"startxref {xref_at} does not point at the xref table")
    section = re.compile(rb"xref\r?\n(\d+) (\d+)\r?\n").match(data, xref_at)
    if section is None or int(section.group(1)) != 0:
        raise PdfError("the xref table must start with a subsection for object 0")
    count = int(section.group(2))
    entries_at = section.end()
    offsets: dict[int, int] = {}
    for number in range(count):
        entry = data[entries_at + 20 * number : entries_at + 20 * (number + 1)]
        match = re.fullmatch(rb"(\d{10}) (\d{5}) ([nf])(?: \r| \n|\r\n)", entry)
        if match is None:
            raise PdfError(f"xref entry {number} is not 20 bytes of 'oooooooooo ggggg n EOL': {entry!r}")
        if match.group(3) == b"n":
            offsets[number] = int(match.group(1))
        elif number == 0 and match.group(2) != b"65535":
            raise PdfError("object 0 must be free with generation 65535")
    trailer_at = entries_at + 20 * count
    trailer = re.compile(rb"trailer\s*<<(.*?)>>\s*startxref", re.S).match(data, trailer_at)
    if trailer is None:
        raise PdfError("no trailer dictionary right after the xref table")
    size = re.search(rb"/Size\s+(\d+)", trailer.group(1))
    if size is None or int(size.group(1)) != count:
        raise PdfError(f"trailer /Size does not match the {count} xref entries")

    bodies = {number: _object_body(data, offset, number) for number, offset in offsets.items()}
    for number, body in bodies.items():
        if b"stream" in body:
            length = re.search(rb"/Length\s+(\d+)", body)
            start = body.find(b"stream\n")
            end = body.rfind(b"endstream")
            if length is None or start < 0 or end < 0:
                raise PdfError(f"object {number}: stream without /Length or keywords")
            payload = body[start + len(b"stream\n") : end]
            if len(payload) != int(length.group(1)) and len(payload.rstrip(b"\r\n")) != int(length.group(1)):
                raise PdfError(f"object {number}: /Length {length.group(1)!r} but {len(payload)} bytes")

    root = _ref(trailer.group(1), b"Root")
    if root not in bodies or b"/Type /Catalog" not in bodies[root]:
        raise PdfError("/Root is not a catalog")
    pages_id = _ref(bodies[root], b"Pages")
    pages = bodies.get(pages_id, b"")
    kids_match = re.search(rb"/Kids\s*\[([^\]]*)\]", pages)
    count_match = re.search(rb"/Count\s+(\d+)", pages)
    if kids_match is None or count_match is None:
        raise PdfError("the page tree has no /Kids or /Count")
    kids = [int(k) for k in re.findall(rb"(\d+)\s+0\s+R", kids_match.group(1))]
    if len(kids) != int(count_match.group(1)) or not kids:
        raise PdfError("page tree /Count does not match its kids")
    texts: list[str] = []
    for kid in kids:
        page = bodies.get(kid, b"")
        if b"/Type /Page" not in page:
            raise PdfError(f"kid {kid} is not a page")
        content = bodies[_ref(page, b"Contents")]
        texts += [_unescape(m) for m in re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", content)]
    return PdfSummary(
        version=header.group(1).decode(), objects=len(bodies), pages=len(kids), text="\n".join(texts)
    )
