"""Chinese PDFs for the tests, drawn with reportlab from the layout in tests/ofd_writer.py.

The font is the system's WenQuanYi Zen Hei Mono (Debian fonts-wqy-zenhei), embedded as
a TrueType subset as office software does; headers, footers and the title are drawn
first, before the body, so that only position (not drawing order) gives the reading
order. Encrypted variants are made with pypdf, as a user would with any PDF tool.
"""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from tests.ofd_writer import (
    FOOTER_Y,
    HEADER_Y,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    SMALL_SIZE,
    Placed,
    Table,
    centred,
    scanned_page_png,
)

FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
FONT = "WQYZenHeiMono"
MM = 72 / 25.4


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=1))


def _draw_text(pdf: canvas.Canvas, item: Placed) -> None:
    pdf.setFont(FONT, item.size * MM)
    pdf.drawString(item.x * MM, (PAGE_HEIGHT - item.y) * MM, item.text)


def _draw_table(pdf: canvas.Canvas, table: Table) -> None:
    top = PAGE_HEIGHT - table.y
    width = sum(table.widths)
    for row in range(len(table.rows) + 1):
        y = (top - row * table.row_height) * MM
        pdf.line(table.x * MM, y, (table.x + width) * MM, y)
    x = table.x
    for column_width in (0.0, *table.widths):
        x += column_width
        pdf.line(x * MM, top * MM, x * MM, (top - len(table.rows) * table.row_height) * MM)
    for row_index, row in enumerate(table.rows):
        x = table.x
        for cell, column_width in zip(row, table.widths, strict=False):
            baseline = table.y + (row_index + 0.75) * table.row_height
            _draw_text(pdf, Placed(cell, x + 1.5, baseline, SMALL_SIZE))
            x += column_width


def write_pdf(
    pages: list[list[Placed | Table]],
    *,
    title: str = "",
    header: str = "",
    page_number: str = "- {n} -",
) -> bytes:
    """A PDF of the laid-out pages; ``title`` goes into the document information."""
    _register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_WIDTH * MM, PAGE_HEIGHT * MM))
    if title:
        pdf.setTitle(title)
    for number, items in enumerate(pages, start=1):
        if header:
            _draw_text(pdf, centred(header, HEADER_Y))
        if page_number:
            _draw_text(pdf, centred(page_number.format(n=number), FOOTER_Y))
        for item in items:
            (_draw_table if isinstance(item, Table) else _draw_text)(pdf, item)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def image_only_pdf(pages: int = 2, text_pages: tuple[int, ...] = ()) -> bytes:
    """A 'scanned' PDF: every page a picture, no text layer, except ``text_pages``
    (1-based), which carry one line of text."""
    _register_font()
    picture = ImageReader(io.BytesIO(scanned_page_png()))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_WIDTH * MM, PAGE_HEIGHT * MM))
    for number in range(1, pages + 1):
        pdf.drawImage(picture, 0, 0, PAGE_WIDTH * MM, PAGE_HEIGHT * MM)
        if number in text_pages:
            _draw_text(pdf, Placed("贺兰山示范园区碳达峰试点工作进展报告封面。", 28, 40))
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def encrypted(
    raw: bytes,
    *,
    user_password: str,
    owner_password: str = "owner-secret",
    algorithm: str = "AES-256",
    print_only: bool = False,
) -> bytes:
    """``raw`` encrypted; an empty user password opens it without asking.
    ``print_only`` sets the permissions to printing only (no copying of text)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import UserAccessPermissions

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    permissions = UserAccessPermissions.PRINT if print_only else UserAccessPermissions.all()
    writer.encrypt(
        user_password=user_password, owner_password=owner_password, algorithm=algorithm, permissions_flag=permissions
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
