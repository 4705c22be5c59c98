"""公文 typography for the 汇编 (GB/T 9704-2012 where a compilation uses it).

One place for the page and the faces: A4, margins 37 / 35 / 28 / 26 mm (top, bottom,
left, right); title 方正小标宋简体 2号, level-1 headings 黑体 3号, level-2 楷体_GB2312 3号,
practice titles 仿宋_GB2312 3号 bold, body 仿宋_GB2312 3号 at a fixed 28.95 pt line
(22 lines to the 225 mm type area), page numbers 「— 1 —」 宋体 4号 at the foot.

Word takes a face by name and silently substitutes when a reader lacks it, so every run
carries its East-Asian name (``w:eastAsia``) explicitly — Word's built-in styles name
theme fonts instead, which a reader's theme turns into 等线 or MS Mincho — and the font
table names, for each face, the free or Windows face to use instead (``w:altName``:
方正小标宋简体 → 华文中宋 …). The render tests and the PDF export use the CJK faces
Debian ships through a fontconfig file with the same fallbacks (api/compile/pdf_export.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from docx.enum.text import WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
FOOTER_DISTANCE = Mm(22)  # page number about 7 mm under the type area
LINE_PITCH = Pt(28.95)
LATIN_FONT = "Times New Roman"

SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号


@dataclass(frozen=True)
class Face:
    east_asian: str
    size: Pt
    bold: bool = False


TITLE = Face("方正小标宋简体", SIZE_2)
HEADING_1 = Face("黑体", SIZE_3)
HEADING_2 = Face("楷体_GB2312", SIZE_3)
HEADING_3 = Face("仿宋_GB2312", SIZE_3, bold=True)
BODY = Face("仿宋_GB2312", SIZE_3)
SMALL = Face("仿宋_GB2312", SIZE_4)
PAGE_NUMBER = Face("宋体", SIZE_4)

# Style name -> face. Every paragraph of the 汇编 uses one of these styles.
STYLE_FACES: dict[str, Face] = {
    "Title": TITLE,
    "Heading 1": HEADING_1,
    "Heading 2": HEADING_2,
    "Heading 3": HEADING_3,
    "Normal": BODY,
    "Footer": PAGE_NUMBER,
}
# Custom paragraph styles the writer adds: name -> (face, based on).
EXTRA_STYLES: dict[str, Face] = {
    "Cover Line": HEADING_2,
    "Front Heading": TITLE,
    "TOC Line": BODY,
    "Reference": SMALL,
    "Note": SMALL,
}

# Face -> faces Word may use instead, best first (w:altName takes one; fontconfig all).
FALLBACKS: dict[str, tuple[str, ...]] = {
    "方正小标宋简体": ("华文中宋", "宋体", "Noto Serif CJK SC", "AR PL UMing CN"),
    "黑体": ("SimHei", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei"),
    "楷体_GB2312": ("楷体", "KaiTi", "AR PL UKai CN", "Noto Serif CJK SC"),
    "仿宋_GB2312": ("仿宋", "FangSong", "Noto Serif CJK SC", "AR PL UMing CN"),
    "宋体": ("SimSun", "Noto Serif CJK SC", "AR PL UMing CN"),
}


def set_run_face(r_pr, face: Face | None = None, *, east_asian: str | None = None) -> None:
    """Name every script's face on a run or style ``w:rPr`` (no theme fonts left)."""
    fonts = r_pr.get_or_add_rFonts()
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    east = east_asian or (face.east_asian if face else BODY.east_asian)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:cs"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east)
    fonts.set(qn("w:hint"), "eastAsia")


def _style_face(style, face: Face, *, exact_line: bool) -> None:
    set_run_face(style.element.get_or_add_rPr(), face)
    font = style.font
    font.size = face.size
    font.bold = face.bold
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    color = style.element.rPr.find(qn("w:color"))
    if color is not None:
        for attribute in ("w:themeColor", "w:themeShade", "w:themeTint"):
            color.attrib.pop(qn(attribute), None)
    paragraph = style.paragraph_format
    paragraph.space_before = Pt(0)
    paragraph.space_after = Pt(0)
    if exact_line:
        paragraph.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        paragraph.line_spacing = LINE_PITCH


def apply_styles(document) -> None:
    """公文 faces, sizes and spacing on the styles the 汇编 uses."""
    styles = document.styles
    for name, face in STYLE_FACES.items():
        _style_face(styles[name], face, exact_line=name not in ("Title",))
    from docx.enum.style import WD_STYLE_TYPE

    for name, face in EXTRA_STYLES.items():
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        _style_face(style, face, exact_line=name != "Front Heading")
    borders = styles["Title"].element.pPr.find(qn("w:pBdr")) if styles["Title"].element.pPr is not None else None
    if borders is not None:
        styles["Title"].element.pPr.remove(borders)
    styles["Reference"].paragraph_format.line_spacing = Pt(22)
    styles["Note"].paragraph_format.line_spacing = Pt(22)
    body = styles["Normal"].paragraph_format
    body.first_line_indent = Pt(32)  # two characters
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Footer", "Cover Line", "Front Heading", "TOC Line"):
        styles[name].paragraph_format.first_line_indent = Pt(0)
    styles["Heading 1"].paragraph_format.first_line_indent = Pt(32)
    styles["Heading 2"].paragraph_format.first_line_indent = Pt(32)
    styles["Heading 3"].paragraph_format.first_line_indent = Pt(32)
    _doc_defaults(document)


def _doc_defaults(document) -> None:
    """The document-wide default run font (used by anything without a style face)."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        return
    r_pr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if r_pr is not None:
        set_run_face(r_pr, BODY)


def page_setup(section) -> None:
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.footer_distance = FOOTER_DISTANCE
    section.header_distance = Mm(15)


def restart_page_numbers(section, start: int = 1) -> None:
    sect_pr = section._sectPr
    number_type = sect_pr.find(qn("w:pgNumType"))
    if number_type is None:
        number_type = OxmlElement("w:pgNumType")
        columns = sect_pr.find(qn("w:cols"))
        if columns is not None:
            columns.addprevious(number_type)
        else:
            sect_pr.append(number_type)
    number_type.set(qn("w:start"), str(start))


def _field_run(paragraph, instruction: str, placeholder: str) -> None:
    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    char("begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    paragraph.add_run()._r.append(text)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def page_number_footer(section) -> None:
    """「— 1 —」 centred at the foot of every page of the section."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = "Footer"
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    _field_run(paragraph, "PAGE", "1")
    paragraph.add_run(" —")


def empty_footer(section) -> None:
    footer = section.footer
    footer.is_linked_to_previous = False
    for paragraph in footer.paragraphs:
        for run in paragraph.runs:
            run.text = ""


def stamp_runs(document) -> None:
    """Set ``w:eastAsia`` (and the Latin faces) on every run, from its paragraph's style."""
    paragraphs = list(document.paragraphs)
    for section in document.sections:
        paragraphs += section.footer.paragraphs + section.header.paragraphs
    for paragraph in paragraphs:
        name = paragraph.style.name if paragraph.style is not None else "Normal"
        face = STYLE_FACES.get(name) or EXTRA_STYLES.get(name) or BODY
        for run in paragraph.runs:
            set_run_face(run._r.get_or_add_rPr(), face)


def font_table_fallbacks(document) -> None:
    """Declare each 公文 face in the font table with the face to use in its absence."""
    part = document.part.part_related_by(RELATIONSHIP_TYPE.FONT_TABLE)
    root = etree.fromstring(part.blob)
    known = {font.get(qn("w:name")) for font in root.findall(qn("w:font"))}
    for name, alternatives in FALLBACKS.items():
        if name in known:
            continue
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        alt = etree.SubElement(font, qn("w:altName"))
        alt.set(qn("w:val"), alternatives[0])
        charset = etree.SubElement(font, qn("w:charset"))
        charset.set(qn("w:val"), "86")  # GB2312
        family = etree.SubElement(font, qn("w:family"))
        family.set(qn("w:val"), "modern" if name == "黑体" else "roman")
        pitch = etree.SubElement(font, qn("w:pitch"))
        pitch.set(qn("w:val"), "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
