"""A tiny writer of plain-text PDF 1.4 documents, for the emulator's invoices.

Only what an invoice needs: pages of left-aligned lines in the standard
Helvetica fonts (which every PDF reader has, so nothing is embedded), a title
in the document information, and a correct cross-reference table so readers
open the file without having to repair it.

Layout of the file written by :func:`render_pdf`::

    %PDF-1.4, a binary-marker comment
    1 0 obj  catalog            -> pages
    2 0 obj  page tree          -> every page
    3 0 obj  Helvetica          4 0 obj  Helvetica-Bold
    5 0 obj  document information (title, producer, creation date)
    then per page: a page object and its content stream
    xref table, trailer, startxref, %%EOF
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

__all__ = ["Line", "render_pdf"]

PAGE_WIDTH = 612  # US Letter, in points
PAGE_HEIGHT = 792
MARGIN = 72
LEADING = 16
LINES_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN) // LEADING


@dataclass(frozen=True)
class Line:
    """One line of text; ``bold`` lines use Helvetica-Bold and ``size`` is in points."""

    text: str
    bold: bool = False
    size: int = 11


def _literal(text: str) -> bytes:
    """``text`` as a PDF literal string: latin-1, with ``\\``, ``(`` and ``)`` escaped.

    Characters outside printable latin-1 become ``?`` (the standard fonts
    carry no others).
    """
    out = bytearray(b"(")
    for char in text:
        code = ord(char)
        if char in "\\()":
            out += b"\\" + char.encode("latin-1")
        elif 32 <= code <= 126 or 160 <= code <= 255:
            out.append(code)
        else:
            out += b"?"
    out += b")"
    return bytes(out)


def _pdf_date(moment: datetime) -> str:
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("D:%Y%m%d%H%M%SZ")


def _content(lines: Sequence[Line]) -> bytes:
    parts = [b"BT", f"{MARGIN} {PAGE_HEIGHT - MARGIN} Td".encode(), f"{LEADING} TL".encode()]
    for line in lines:
        font = b"/F2" if line.bold else b"/F1"
        parts.append(font + f" {line.size} Tf".encode())
        parts.append(_literal(line.text) + b" Tj T*")
    parts.append(b"ET")
    return b"\n".join(parts) + b"\n"


def render_pdf(lines: Sequence[Line], *, title: str, created: datetime) -> bytes:
    """A complete PDF document showing ``lines``, as many pages as they need.

    >>> doc = render_pdf([Line("Hello")], title="t", created=datetime(2024, 1, 1, tzinfo=timezone.utc))
    >>> doc.startswith(b"%PDF-1.4") and doc.rstrip().endswith(b"%%EOF")
    True
    """
    pages = [list(lines[i : i + LINES_PER_PAGE]) for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    first_page = 6
    page_ids = [first_page + 2 * n for n in range(len(pages))]

    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{pid} 0 R".encode() for pid in page_ids)
        + f"] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title "
        + _literal(title)
        + b" /Producer (viam_sdk.testing emulator) /CreationDate "
        + _literal(_pdf_date(created))
        + b" >>",
    ]
    for pid, page_lines in zip(page_ids, pages, strict=True):
        stream = _content(page_lines)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R "
            + f"/MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] ".encode()
            + b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> "
            + f"/Contents {pid + 1} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"endstream")

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"

    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"  # each entry is exactly 20 bytes
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 5 0 R >>\n".encode()
    out += f"startxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)
