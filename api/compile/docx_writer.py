"""The compilation as a Word document (python-docx).

Headings use Word's built-in Heading styles so the navigation pane and the table of
contents work; the TOC is a real TOC field (Word refreshes it on opening, via
``updateFields``) whose cached text already lists the headings, so a viewer that does
not refresh fields still shows a usable contents page.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from api.compile.markdown_writer import DEMO_NOTE
from api.compile.outline import Outline, figure_line, numeral, pilot_by_document, reference_text

BODY_FONT = "宋体"
HEADING_FONT = "黑体"


def _east_asian_font(style, name: str) -> None:
    style.font.name = name
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _set_fonts(document) -> None:
    _east_asian_font(document.styles["Normal"], BODY_FONT)
    document.styles["Normal"].font.size = Pt(12)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        _east_asian_font(document.styles[name], HEADING_FONT)


def _toc_field(document, entries: list[tuple[int, str]]) -> None:
    paragraph = document.add_paragraph()

    def char(kind: str) -> None:
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    char("begin")
    instruction = paragraph.add_run()._r
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = 'TOC \\o "1-3" \\h \\z \\u'
    instruction.append(text)
    char("separate")
    for index, (level, title) in enumerate(entries):
        run = paragraph.add_run("　" * (level - 1) + title)
        if index < len(entries) - 1:
            run.add_break()
    char("end")
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def write_docx(outline: Outline) -> bytes:
    document = Document()
    _set_fonts(document)
    document.core_properties.title = outline.title
    document.core_properties.subject = "宁夏碳达峰试点经验推广"

    title = document.add_paragraph(outline.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    date = document.add_paragraph(f"编制日期：{outline.date:%Y年%m月%d日}")
    date.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if outline.demo:
        document.add_paragraph(DEMO_NOTE.removeprefix("> "))
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    document.add_paragraph("目录", style="TOC Heading" if "TOC Heading" in document.styles else "Heading 1")
    entries: list[tuple[int, str]] = []
    for type_index, (pilot_type, by_field) in enumerate(outline.groups.items(), start=1):
        entries.append((1, f"{numeral(type_index)}、{pilot_type}类试点"))
        for field_index, (field_name, items) in enumerate(by_field.items(), start=1):
            entries.append((2, f"（{numeral(field_index)}）{field_name}"))
            entries += [(3, f"{i}. {item.practice.title}（{item.practice.pilot}）") for i, item in enumerate(items, 1)]
    entries.append((1, "参考来源"))
    _toc_field(document, entries)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    headings = iter(entries)
    for _pilot_type, by_field in outline.groups.items():
        document.add_heading(next(headings)[1], level=1)
        for _field_name, items in by_field.items():
            document.add_heading(next(headings)[1], level=2)
            for item in items:
                practice = item.practice
                document.add_heading(next(headings)[1], level=3)
                document.add_paragraph(f"试点：{practice.pilot}（{practice.pilot_type}·{practice.region}）")
                body = document.add_paragraph(practice.description + " ")
                body.add_run("".join(f"[{n}]" for n in item.references)).font.superscript = True
                if practice.figures:
                    document.add_paragraph("成效数据：")
                    for figure in practice.figures:
                        document.add_paragraph(figure_line(figure), style="List Bullet")
    document.add_heading("参考来源", level=1)
    pilots = pilot_by_document(outline)
    for number, source in enumerate(outline.references, start=1):
        document.add_paragraph(reference_text(number, source, pilots))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
