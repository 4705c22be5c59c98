"""PDF -> sections with page numbers, through pdfplumber (pdfminer.six).

pdfplumber was chosen over pypdf after trying both on Chinese PDFs (TrueType subsets,
the non-embedded CID font STSong-Light, and LibreOffice's Identity-H export, which
is what Word and WPS produce too): pypdf returns text in content-stream order, so a
running header and footer drawn first come out at the top of the page, and it puts a
space wherever a Chinese run meets a Latin one (「3 个」「1.2 万吨」), which breaks
search and indicators; pdfplumber orders characters by position, keeps Chinese unspaced
and gives every line its box and font size, which paragraph joining, header and footer
removal, the title and table rows all need. It is about 4x slower: 14–20 pages/s of
dense A4 text (some 750 characters a page) against 50–90 for pypdf on 2 cores
(``python -m bench.paged_formats``), which an ingest can afford next to embedding.

Ruled tables become one text row per line repeating the header
(``指标：…；单位：…；目标值：…。``), as in every other format; a table continued on the
next page without its header row keeps the header of the part before.
"""

from __future__ import annotations

import io
import logging
import statistics

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfplumber.utils.exceptions import PdfminerException

from ingest.documents import FormatError, ParsedBody
from ingest.formats.paged import Line, Page, join_wrapped, meaningful_title, paged_sections

# pdfminer logs every oddity it recovers from (a missing CropBox, a bad xref entry) at
# WARNING, which would litter the ingest output; the outcome is judged here instead.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

# A gap between two characters wider than this share of the font size is a space.
# Chinese typesetters add about 0.2 em between Chinese and Latin text (「试点 2025 年」),
# which is spacing, not a space; a typed space is a glyph of its own and stays one.
WORD_GAP = 0.3

# The band at the top of a page where a running header sits.
HEADER_ZONE = 0.12

_ENCRYPTED = "PDF 已加密，无法读取（需要打开密码）；请提供未加密的文件"
_CORRUPT = "PDF 文件已损坏或不是有效的 PDF，无法读取"


def parse(raw: bytes) -> ParsedBody:
    """Read a PDF; FormatError (in Chinese) if it is encrypted, scanned or corrupt."""
    if b"%PDF-" not in raw[:1024]:
        raise FormatError("不是 PDF 文件（缺少 %PDF 文件头）")
    if b"%%EOF" not in raw[-2048:]:
        # pdfminer would read what it can of a truncated file and lose the rest quietly.
        raise FormatError("PDF 文件不完整（缺少文件结尾，可能在下载或复制时被截断），无法读取")
    try:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            title = meaningful_title(pdf.metadata.get("Title"))
            pages = []
            table_header: list[str] = []
            for number, page in enumerate(pdf.pages, start=1):
                lines, table_header = _page_lines(page, table_header)
                pages.append(Page(number, float(page.width), float(page.height), lines))
                page.close()
    except FormatError:
        raise
    except PdfminerException as error:
        cause = error.args[0] if error.args else None
        if isinstance(cause, PDFEncryptionError):
            raise FormatError(_ENCRYPTED) from error
        raise FormatError(_CORRUPT) from error
    except Exception as error:
        raise FormatError(_CORRUPT) from error
    if not pages:
        raise FormatError("PDF 没有任何页面")
    text = paged_sections(pages, "PDF")
    return ParsedBody(text.sections, title=title or text.title, page_count=len(pages))


def _page_lines(page, table_header: list[str]) -> tuple[list[Line], list[str]]:
    """The page's lines top to bottom, tables as text rows; and the header of the last
    table on the page (for a table that goes on over the page break)."""
    doubled = _doubled_chars(page.chars)
    tables = []
    for table in sorted(page.find_tables(), key=lambda table: table.bbox[1]):
        rows = [[_cell(cell) for cell in row] for row in table.extract()]
        if len(rows) >= 2 and len(rows[0]) >= 2:
            tables.append((table.bbox, rows))
        elif not tables and table_header and len(rows) == 1 and len(rows[0]) == len(table_header):
            tables.append((table.bbox, rows))  # the last row of a table from the page before
    boxes = [bbox for bbox, _ in tables]

    def running_text(obj: dict) -> bool:
        # A character belongs to a table if its centre is inside it: text touching
        # the ruling (a heading right under the table) is not the table's.
        if obj.get("object_type") != "char":
            return True
        if id(obj) in doubled:
            return False
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    text_page = page.filter(running_text) if tables or doubled else page
    items = text_page.extract_text_lines(return_chars=True, x_tolerance_ratio=WORD_GAP)
    lines = [_line(item) for item in items if item["text"].strip()]
    header_zone = HEADER_ZONE * float(page.height)
    for (x0, top, x1, bottom), rows in tables:
        # Nothing but the running header above it: the table may go on from the page before.
        first_on_page = not any(header_zone < line.top < top for line in lines)
        if first_on_page and table_header and len(rows[0]) == len(table_header) and rows[0] != table_header:
            header, body = table_header, rows  # continued from the page before, header not repeated
        else:
            header, body = rows[0], rows[1:]
        table_header = header
        step = (bottom - top) / max(len(body), 1)
        for index, row in enumerate(body):
            cells = [f"{name}：{value}" if name else value for name, value in zip(header, row, strict=False) if value]
            if cells:
                row_top = top + index * step
                lines.append(Line("；".join(cells) + "。", x0, x1, row_top, row_top + step, 0.0, table_row=True))
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines, table_header


def _doubled_chars(chars: list[dict]) -> set[int]:
    """Characters drawn again over themselves (how some producers fake bold): the
    copies, by object identity. pdfplumber's own dedupe_chars costs a fifth of the
    parse time; this one pass does the same job for exact repeats."""
    seen: set[tuple[str, int, int]] = set()
    doubled: set[int] = set()
    for char in chars:
        key = (char["text"], round(char["x0"] * 2), round(char["top"] * 2))
        if key in seen:
            doubled.add(id(char))
        else:
            seen.add(key)
    return doubled


def _cell(value: str | None) -> str:
    parts = [part.strip() for part in (value or "").splitlines() if part.strip()]
    text = ""
    for part in parts:
        text = join_wrapped(text, part)
    return text


def _line(item: dict) -> Line:
    sizes = [char["size"] for char in item.get("chars", ()) if char.get("text", "").strip()]
    return Line(
        text=item["text"],
        x0=float(item["x0"]),
        x1=float(item["x1"]),
        top=float(item["top"]),
        bottom=float(item["bottom"]),
        size=float(statistics.median(sizes)) if sizes else float(item["bottom"] - item["top"]),
    )
