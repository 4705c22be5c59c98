"""Excel workbooks (.xlsx, openpyxl) of practices, search results and reported figures.

A DRC desk officer sorts, filters and forwards tables; every row therefore carries its
source (pilot, document, document type, period, section) and a link back to the section
on TanLu's page (``/#/doc/<id>?section=<anchor>``), so a figure in a spreadsheet can be
checked against the sentence that states it. One header row, frozen; an auto-filter;
column widths to fit Chinese text; cells are values, never formulas (a text that starts
with ``=`` is stored as a string cell, so a spreadsheet never evaluates document content).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from index import KnowledgeBase, SearchFilters
from index.hybrid import ScoredChunk
from index.practice_effects import effect_figures, practice_applicability
from index.practice_fields import classify_practice
from index.practice_value import practice_value
from ingest.documents import HEADING_SEPARATOR
from ingest.extracted import Figure, Practice

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's own limit per cell is 32,767 characters.
MAX_CELL_CHARS = 32_000
LINK_FONT = Font(color="0563C1", underline="single")
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
# (doc_id, heading path) -> the page's address of that section.
LinkOf = Callable[[str, str], str]


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    link: bool = False  # the cell's value is an address: written as a hyperlink


def _cell_value(value: object) -> object:
    """Text cut to Excel's cell limit, without the control characters XML cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value[:MAX_CELL_CHARS]) if isinstance(value, str) else value


def workbook(sheet_title: str, columns: Sequence[Column], rows: Iterable[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    sheet.append([column.title for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for row in rows:
        sheet.append([_cell_value(value) for value in row])
        for column, cell in zip(columns, sheet[sheet.max_row], strict=True):
            if cell.data_type == "f":  # openpyxl reads a leading "=" as a formula: keep it text
                cell.data_type = "s"
            if column.link and isinstance(cell.value, str) and cell.value.startswith("http"):
                cell.hyperlink = cell.value
                cell.font = LINK_FONT
            elif isinstance(cell.value, str) and len(cell.value) > column.width:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- practices ----------------------------------------------------------------------------
PRACTICE_COLUMNS = (
    Column("做法编号", 18),
    Column("做法", 36),
    Column("试点", 24),
    Column("试点类型", 10),
    Column("地区", 12),
    Column("领域（按做法内容）", 18),
    Column("可复制性评分", 10),
    Column("评分理由", 40),
    Column("例行管理事项", 10),
    Column("做法描述", 60),
    Column("成效数据", 50),
    Column("适用条件与推广建议", 50),
    Column("来源数", 8),
    Column("来源文档", 40),
    Column("来源文档类型", 14),
    Column("来源时期", 12),
    Column("来源章节", 40),
    Column("原文链接", 50, link=True),
)


def practices_workbook(practices: Sequence[Practice], link_of: LinkOf) -> bytes:
    """One row per practice; its first source in the source columns, all sources counted."""

    def rows():
        for practice in practices:
            applicability = practice_applicability(practice)
            value = practice_value(practice, applicability)
            first = practice.sources[0] if practice.sources else None
            yield (
                practice.practice_id,
                practice.title,
                practice.pilot,
                practice.pilot_type,
                practice.region,
                classify_practice(practice).field,
                value.score,
                "、".join(value.reasons),
                "是" if value.routine else "否",
                practice.description,
                "；".join(
                    f"{f.name} {f.text}" + (f"（{f.period}）" if f.period else "") for f in effect_figures(practice)
                ),
                "".join(applicability.statements),
                len(practice.sources),
                "；".join(dict.fromkeys(f"《{s.title}》" for s in practice.sources)),
                first.doc_type if first else "",
                (first.period or first.date) if first else "",
                first.heading_path if first else "",
                link_of(first.doc_id, first.heading_path) if first else "",
            )

    return workbook("经验做法", PRACTICE_COLUMNS, rows())


# -- search results -----------------------------------------------------------------------
SEARCH_COLUMNS = (
    Column("名次", 6),
    Column("相关度", 8),
    Column("试点", 24),
    Column("试点类型", 10),
    Column("地区", 12),
    Column("文档", 40),
    Column("文档类型", 12),
    Column("时期", 10),
    Column("章节", 40),
    Column("页码", 6),
    Column("原文", 80),
    Column("文档编号", 30),
    Column("原文链接", 50, link=True),
)


def search_workbook(query: str, hits: Sequence[ScoredChunk], link_of: LinkOf) -> bytes:
    def rows():
        for rank, hit in enumerate(hits, start=1):
            meta = hit.record.metadata
            heading = str(meta.get("heading_path", ""))
            yield (
                rank,
                round(hit.score, 4),
                meta.get("pilot", ""),
                meta.get("pilot_type", ""),
                meta.get("region", ""),
                meta.get("title", ""),
                meta.get("doc_type", ""),
                meta.get("period", "") or meta.get("date", ""),
                heading,
                meta.get("page") or "",
                hit.record.text,
                hit.record.doc_id,
                link_of(hit.record.doc_id, heading),
            )

    return workbook(_sheet_title(f"检索 {query}"), SEARCH_COLUMNS, rows())


def _sheet_title(text: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\ nor control characters."""
    clean = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "".join(ch for ch in clean if ch not in "[]:*?/\\")[:31].strip() or "检索结果"


# -- figures ------------------------------------------------------------------------------
FIGURE_COLUMNS = (
    Column("指标", 30),
    Column("数值", 12),
    Column("单位", 14),
    Column("原文写法", 16),
    Column("时期", 10),
    Column("换算值", 12),
    Column("换算单位", 12),
    Column("试点", 24),
    Column("试点类型", 10),
    Column("地区", 12),
    Column("文档", 40),
    Column("文档类型", 12),
    Column("原句", 80),
    Column("文档编号", 30),
    Column("原文链接", 50, link=True),
)


@dataclass(frozen=True)
class FigureRow:
    figure: Figure
    doc_id: str
    meta: dict  # the document's metadata (pilot, pilot_type, region, title, doc_type, period)
    heading_path: str = ""  # the section that states it, when known


def figures_workbook(rows_in: Sequence[FigureRow], link_of: LinkOf) -> bytes:
    def rows():
        for row in rows_in:
            figure, meta = row.figure, row.meta
            yield (
                figure.name,
                figure.value,
                figure.unit,
                figure.text,
                figure.period or meta.get("period", "") or (str(figure.year) if figure.year else ""),
                figure.normalized_value if figure.normalized_value is not None else "",
                figure.normalized_unit,
                meta.get("pilot", ""),
                meta.get("pilot_type", ""),
                meta.get("region", ""),
                meta.get("title", ""),
                meta.get("doc_type", ""),
                figure.sentence,
                row.doc_id,
                link_of(row.doc_id, row.heading_path),
            )

    return workbook("指标数据", FIGURE_COLUMNS, rows())


def section_of_sentence(sections: Sequence[dict], sentence: str) -> str:
    """The heading path (joined) of the first section whose text contains the sentence."""
    probe = sentence.strip()[:40]
    for section in sections:
        if probe and probe in section.get("text", ""):
            return HEADING_SEPARATOR.join(section.get("heading_path") or [])
    return ""


def figure_rows(kb: KnowledgeBase, filters: SearchFilters) -> list[FigureRow]:
    """Every figure of the documents the filters select, with the section that states it."""
    rows: list[FigureRow] = []
    documents = {document.doc_id: document for document in kb.documents(filters)}
    for doc_id, figures in sorted(kb.figures().items()):
        document = documents.get(doc_id)
        if document is None:
            continue
        for figure in figures:
            heading = section_of_sentence(document.sections, figure.sentence)
            rows.append(FigureRow(figure, doc_id, document.meta, heading))
    return rows
