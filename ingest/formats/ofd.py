"""OFD (GB/T 33190, Chinese government e-documents) -> sections with page numbers.

The package is read by ofdkit, the one OFD reader on PyPI found fit after trying them:
it has no dependencies beyond the standard library, reads offline, resolves what the
standard asks (OFD.xml -> DocBody/DocRoot -> Document.xml -> Pages and TemplatePage ->
Content.xml -> Layer -> TextObject/TextCode with Boundary, CTM, DeltaX, composite
objects), tolerates the usual producer bugs (wrong prefixes, GBK XML, bad paths),
refuses DTDs and path traversal and caps the size of each part. easyofd renders to
images through PyMuPDF and onnxruntime and unpacks into the working directory;
ofdparser was last released in 2023; ofdreader's only release ships no code.

ofdkit hands over positioned text runs (template runs included, so running headers
arrive where they are drawn); this module makes lines of them, and the same code as
for PDF (ingest/formats/paged.py) drops page furniture and joins paragraphs. Before
ofdkit sees the archive it is checked here: a ZIP, not encrypted, and not inflating
beyond the shared limit of ingest/formats/zip_bomb.py, so a zip bomb costs nothing.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

import ofdkit

from ingest.documents import FormatError, ParsedBody
from ingest.formats.paged import Line, Page, join_wrapped, meaningful_title, paged_sections
from ingest.formats.zip_bomb import refuse_zip_bomb

MAX_MEMBERS = 20_000
_CORRUPT = "OFD 文件已损坏或不是有效的 OFD，无法读取"

# Runs whose baselines differ by less than this share of the font size share a line;
# a gap wider than WORD_GAP font sizes between two Latin words is a space.
SAME_LINE = 0.5
WORD_GAP = 0.25


def parse(raw: bytes) -> ParsedBody:
    """Read an OFD file; FormatError (in Chinese) if it is encrypted, scanned or corrupt."""
    _check_archive(raw)
    try:
        with ofdkit.open(raw) as document:
            title = meaningful_title(document.info.title)
            pages = [_page(page) for page in document.pages]
    except FormatError:
        raise
    except ofdkit.OFDLimitError as error:
        raise FormatError("OFD 文件含有不允许的内容（DTD 或实体声明）或部件超出安全上限，拒绝读取") from error
    except Exception as error:
        raise FormatError(_CORRUPT) from error
    if not pages:
        raise FormatError("OFD 没有任何页面")
    text = paged_sections(pages, "OFD")
    return ParsedBody(text.sections, title=title or text.title, page_count=len(pages))


def _check_archive(raw: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise FormatError("不是有效的 OFD 文件（OFD 应为 ZIP 压缩包，此文件无法解压，可能已损坏或被截断）") from error
    if len(members) > MAX_MEMBERS:
        raise FormatError(f"OFD 压缩包内文件过多（{len(members)} 个），拒绝读取")
    refuse_zip_bomb(members, "OFD")
    if any(member.flag_bits & 0x1 for member in members):
        raise FormatError("OFD 已加密，无法读取")
    names = {member.filename.replace("\\", "/").lstrip("/").casefold() for member in members}
    if "ofd.xml" not in names:
        raise FormatError("不是有效的 OFD 文件（压缩包中没有 OFD.xml）")


def _page(page: ofdkit.Page) -> Page:
    try:
        x0, y0, width, height = page.box
        runs = page.runs
    except ofdkit.OFDLimitError:
        raise
    except ofdkit.OFDError as error:
        raise FormatError(f"OFD 第{page.index + 1}页无法读取：页面内容已损坏") from error
    margin = 2.0  # mm a run may stick out of the page and still be on it
    visible = [
        run
        for run in runs
        if run.text.strip()
        and x0 - margin <= run.x <= x0 + width + margin
        and y0 - margin <= run.y <= y0 + height + margin
    ]
    return Page(page.index + 1, width, height, runs_to_lines(visible, x0, y0))


def runs_to_lines(runs: Sequence[ofdkit.TextRun], x0: float = 0.0, y0: float = 0.0) -> list[Line]:
    """Group text runs into lines by baseline, top to bottom, each read left to right.

    Runs drawn twice at the same spot (fake bold) count once.
    """
    seen: set[tuple[str, int, int]] = set()
    unique = []
    for run in runs:
        key = (run.text, round(run.x * 4), round(run.y * 4))
        if key not in seen:
            seen.add(key)
            unique.append(run)
    groups: list[list[ofdkit.TextRun]] = []
    for run in sorted(unique, key=lambda run: (run.y, run.x)):
        if groups:
            anchor = groups[-1][0]
            if abs(run.y - anchor.y) <= SAME_LINE * max(min(run.size, anchor.size), 1.0):
                groups[-1].append(run)
                continue
        groups.append([run])
    lines = []
    for group in groups:
        group.sort(key=lambda run: run.x)
        text = group[0].text
        for previous, run in pairwise(group):
            gap = run.x - (previous.x + previous.width)
            piece = run.text
            if gap > WORD_GAP * max(run.size, 1.0):
                # A gap between Latin words is a space; in Chinese only a wide gap
                # (between table cells or columns) is kept, as one space.
                text = join_wrapped(text, piece) if gap < 1.5 * run.size else f"{text} {piece}"
            else:
                text += piece
        sizes: Counter[float] = Counter()
        for run in group:
            sizes[round(run.size, 2)] += len(run.text)
        size = sizes.most_common(1)[0][0]
        lines.append(
            Line(
                text=text,
                x0=min(run.x for run in group) - x0,
                x1=max(run.x + run.width for run in group) - x0,
                top=min(run.y for run in group) - size - y0,
                bottom=max(run.y for run in group) - y0,
                size=size,
            )
        )
    return lines
