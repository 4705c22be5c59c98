"""The compilation as a Word document in 公文 layout (python-docx; faces in docx_layout.py).

Order: cover (title, 编印单位, date; no page number), 前言, 目录, the groups (一、field,
（一）pilot type, 1. practice) and the numbered 参考来源. Pages after the cover are
numbered 「— 1 —」 from the 前言 on.

The 目录 lists each group with its page number. Word computes page numbers only when it
lays a document out, so the writer does the same: api/compile/toc_pages.py renders the
document once through LibreOffice and reads on which page each group heading falls, and
the writer writes those numbers (``page_numbers``). Without LibreOffice the 目录 is a
TOC field over the group headings instead, which Word fills in when the file is opened
(``w:updateFields``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from api.compile import docx_layout as layout
from api.compile.front_matter import preface
from api.compile.outline import Outline, OutlinePractice, figure_line, group_headings, pilot_by_document, reference_text

REFERENCES_HEADING = "参考来源"
PREFACE_HEADING = "前　言"
TOC_HEADING = "目　录"
COVER_BLANK_LINES = 5


def toc_entries(outline: Outline) -> list[tuple[int, str]]:
    """What the 目录 lists: every group heading and the reference list."""
    return [*group_headings(outline), (1, REFERENCES_HEADING)]


def _lead(paragraph, label: str, text: str) -> None:
    """「做法：…」: a bold 黑体 lead-in, then the body text."""
    lead = paragraph.add_run(label)
    lead.bold = True
    paragraph.add_run(text)


def _practice(document, index: int, item: OutlinePractice) -> None:
    practice = item.practice
    document.add_heading(f"{index}. {practice.title}", level=3)
    meta = document.add_paragraph(style="Note")
    meta.add_run(f"试点：{practice.pilot}（{practice.pilot_type}·{practice.region}）　")
    meta.add_run(f"可复制性：{item.value.score}分（{item.value.label}）")
    _lead(document.add_paragraph(), "做法：", "".join(item.method) or practice.description)
    if item.effects:
        _lead(document.add_paragraph(), "成效：", "；".join(figure_line(f) for f in item.effects) + "。")
    if item.applicability.stated:
        _lead(document.add_paragraph(), "适用条件与推广建议：", "".join(item.applicability.statements))
    _lead(document.add_paragraph(), "来源：", "".join(f"[{n}]" for n in item.references))


def _cover(document, outline: Outline) -> None:
    for _ in range(COVER_BLANK_LINES):
        document.add_paragraph(style="Cover Line")
    title = document.add_paragraph(outline.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(40)
    for _ in range(COVER_BLANK_LINES + 3):
        document.add_paragraph(style="Cover Line")
    for text in (outline.issuer, f"{outline.date.year}年{outline.date.month}月{outline.date.day}日"):
        if text:
            line = document.add_paragraph(text, style="Cover Line")
            line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if outline.demo:
        document.add_paragraph(style="Cover Line")
        note = document.add_paragraph("演示数据：试点名称与数据均为虚构（demo: true）", style="Note")
        note.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _front_heading(document, text: str) -> None:
    heading = document.add_paragraph(text, style="Front Heading")
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.space_after = Pt(16)


def _toc_line(document, level: int, text: str, page: int | None) -> None:
    line = document.add_paragraph(style="TOC Line")
    line.paragraph_format.left_indent = Pt(32 * (level - 1))
    width = layout.PAGE_WIDTH - layout.MARGINS["left"] - layout.MARGINS["right"]
    line.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    line.add_run(text + ("\t" + str(page) if page is not None else ""))


def _toc_field(document, entries: list[tuple[int, str]]) -> None:
    """A Word TOC field over heading levels 1-2, refreshed by Word on opening."""
    first = document.add_paragraph(style="TOC Line")

    def char(paragraph, kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    char(first, "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = ' TOC \\o "1-2" \\h \\z \\u '
    first.add_run()._r.append(instruction)
    char(first, "separate")
    paragraphs = [first]
    for index, (level, text) in enumerate(entries):
        paragraph = first if index == 0 else document.add_paragraph(style="TOC Line")
        paragraph.paragraph_format.left_indent = Pt(32 * (level - 1))
        paragraph.add_run(text)
        paragraphs.append(paragraph)
    char(paragraphs[-1], "end")
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)


def write_docx(outline: Outline, page_numbers: Sequence[int | None] | None = None) -> bytes:
    """The 汇编 as .docx; ``page_numbers`` (one per :func:`toc_entries` entry) fill the 目录."""
    document = Document()
    layout.apply_styles(document)
    layout.page_setup(document.sections[0])
    layout.empty_footer(document.sections[0])
    document.core_properties.title = outline.title
    document.core_properties.subject = "宁夏碳达峰试点经验推广"
    document.core_properties.author = outline.issuer or "碳路 TanLu"
    _cover(document, outline)

    body = document.add_section(WD_SECTION.NEW_PAGE)
    layout.page_setup(body)
    layout.restart_page_numbers(body, 1)
    layout.page_number_footer(body)
    _front_heading(document, PREFACE_HEADING)
    for paragraph in preface(outline):
        document.add_paragraph(paragraph, style="Note" if paragraph.startswith("说明：") else "Normal")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    _front_heading(document, TOC_HEADING)
    entries = toc_entries(outline)
    if page_numbers is None:
        _toc_field(document, entries)
    else:
        for (level, text), page in zip(entries, page_numbers, strict=True):
            _toc_line(document, level, text, page)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    headings = iter(group_headings(outline))
    for by_type in outline.groups.values():
        document.add_heading(next(headings)[1], level=1)
        for items in by_type.values():
            document.add_heading(next(headings)[1], level=2)
            for index, item in enumerate(items, start=1):
                _practice(document, index, item)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading(REFERENCES_HEADING, level=1)
    pilots = pilot_by_document(outline)
    for number, source in enumerate(outline.references, start=1):
        document.add_paragraph(reference_text(number, source, pilots), style="Reference")

    layout.stamp_runs(document)
    layout.font_table_fallbacks(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
