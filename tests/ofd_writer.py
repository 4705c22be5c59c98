"""A small writer of valid, minimal OFD files (GB/T 33190) for the tests, and the page
layout it shares with tests/pdf_writer.py.

No OFD writer on PyPI is worth a dependency and binary fixtures do not belong in git,
so the tests write their own files: OFD.xml -> Doc_0/Document.xml -> one Content.xml
per page, the running header in a TemplatePage (where producers put it), a page number
in each page's own content (its digits change from page to page), text objects placed
line by line with X/Y and DeltaX, in millimetres with the origin at the top left.

``flow`` typesets paragraphs the way a word processor does: lines filled to the width
of the text block (Chinese breaks anywhere), a two-character first-line indent, pages of
a fixed number of lines, so that a paragraph can run on over a page break; it reports
the page every part of every paragraph lands on, which the tests check their fixtures
against instead of assuming it.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw

NS = "http://www.ofdspec.org/2016"
PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
LEFT, RIGHT, TOP = 28.0, 28.0, 37.0
BODY_SIZE = 4.2333  # 12 pt in mm
LINE_STEP = 7.4
TITLE_SIZE = 7.7611  # 22 pt
SMALL_SIZE = 3.175  # 9 pt
HEADER_Y, FOOTER_Y = 22.0, 282.0
NO_LINE_START = "。，、；：？！”’）》」』"


def char_width(char: str, size: float) -> float:
    """Advance of one character: an em for Chinese and full-width forms, half for ASCII
    (the metrics of WenQuanYi Zen Hei Mono, which the PDF writer embeds)."""
    return size if unicodedata.east_asian_width(char) in ("W", "F", "A") else size / 2


def text_width(text: str, size: float) -> float:
    return sum(char_width(char, size) for char in text)


@dataclass(frozen=True)
class Placed:
    """One line of text with its baseline starting at (x, y) mm."""

    text: str
    x: float
    y: float
    size: float = BODY_SIZE


@dataclass(frozen=True)
class Table:
    """A ruled table (drawn by the PDF writer) with its top-left corner at (x, y) mm."""

    rows: tuple[tuple[str, ...], ...]
    x: float
    y: float
    widths: tuple[float, ...]
    row_height: float = LINE_STEP


@dataclass
class Layout:
    """Pages of placed lines and tables, and where each paragraph's lines landed:
    ``starts[i]`` lists (offset in paragraph i, page) for each of its lines."""

    texts: list[str] = field(default_factory=list)
    pages: list[list[Placed | Table]] = field(default_factory=list)
    starts: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    def page_of(self, text: str) -> int:
        """The page that ``text``, a part of one of the paragraphs, starts on."""
        for number, paragraph in enumerate(self.texts):
            if text in paragraph:
                offset = paragraph.index(text)
                return max(page for start, page in self.starts[number] if start <= offset)
        raise ValueError(f"not in the layout: {text}")


def flow(
    paragraphs: list[str | tuple[tuple[str, ...], ...]],
    *,
    lines_per_page: int = 30,
    title: str = "",
    indent: bool = True,
) -> Layout:
    """Typeset paragraphs (a tuple of rows is a table) onto pages.

    A paragraph that starts with official numbering or is short (a heading) is set like
    any other; the first line of each is indented two characters when ``indent``.
    """
    width = PAGE_WIDTH - LEFT - RIGHT
    layout = Layout(texts=[item if isinstance(item, str) else "" for item in paragraphs])
    page: list[Placed | Table] = []
    used = 0

    def new_page() -> None:
        nonlocal page, used
        layout.pages.append(page)
        page, used = [], 0

    if title:
        page.append(Placed(title, (PAGE_WIDTH - text_width(title, TITLE_SIZE)) / 2, TOP, TITLE_SIZE))
        used = 3
    for number, item in enumerate(paragraphs):
        if isinstance(item, tuple):
            if used + len(item) > lines_per_page:
                new_page()
            columns = len(item[0])
            page.append(Table(item, LEFT, TOP + (used - 0.7) * LINE_STEP, (width / columns,) * columns))
            used += len(item)
            continue
        offset = 0
        first = True
        layout.starts[number] = []
        while offset < len(item):
            x = LEFT + (2 * BODY_SIZE if first and indent else 0.0)
            end = offset
            while end < len(item) and x + text_width(item[offset : end + 1], BODY_SIZE) <= LEFT + width + 1e-6:
                end += 1
            # No line starts with a closing mark: it hangs at the end of the line before.
            while end < len(item) and item[end] in NO_LINE_START:
                end += 1
            if used >= lines_per_page:
                new_page()
            layout.starts[number].append((offset, len(layout.pages) + 1))
            page.append(Placed(item[offset:end], x, TOP + used * LINE_STEP))
            used += 1
            offset, first = end, False
    layout.pages.append(page)
    return layout


def scanned_page_png() -> bytes:
    """A small grey picture of 'text lines', standing in for a scanned page."""
    image = Image.new("L", (210, 297), 255)
    draw = ImageDraw.Draw(image)
    for row in range(40, 260, 9):
        draw.rectangle((28, row, 182, row + 4), fill=90)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _text_object(object_id: int, item: Placed) -> str:
    width = text_width(item.text, item.size)
    deltas = " ".join(f"{char_width(char, item.size):.4f}" for char in item.text[:-1])
    delta_attribute = f' DeltaX="{deltas}"' if deltas else ""
    return (
        f'<ofd:TextObject ID="{object_id}" Boundary="{item.x:.3f} {item.y - item.size:.3f} {width:.3f} '
        f'{item.size * 1.4:.3f}" Font="1" Size="{item.size:.4f}">'
        '<ofd:FillColor Value="0 0 0"/>'
        f'<ofd:TextCode X="0" Y="{item.size:.4f}"{delta_attribute}>{escape(item.text)}</ofd:TextCode>'
        "</ofd:TextObject>"
    )


def _image_object(object_id: int, resource_id: int) -> str:
    return (
        f'<ofd:ImageObject ID="{object_id}" ResourceID="{resource_id}" Boundary="0 0 {PAGE_WIDTH:g} {PAGE_HEIGHT:g}" '
        f'CTM="{PAGE_WIDTH:g} 0 0 {PAGE_HEIGHT:g} 0 0"/>'
    )


def _content(objects: list[str], layer_id: int, template_id: int | None) -> str:
    template = f'<ofd:Template TemplateID="{template_id}" ZOrder="Background"/>' if template_id else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}">{template}'
        f'<ofd:Content><ofd:Layer ID="{layer_id}">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>'
    )


def centred(text: str, y: float, size: float = SMALL_SIZE) -> Placed:
    return Placed(text, (PAGE_WIDTH - text_width(text, size)) / 2, y, size)


def write_ofd(
    pages: list[list[Placed | Table]],
    *,
    title: str = "",
    header: str = "",
    page_number: str = "- {n} -",
    reverse_objects: bool = False,
    scan: bytes = b"",
) -> bytes:
    """An OFD file of the placed lines, one list per page (tables are not drawn).

    ``header`` goes into a template page shared by every page; ``page_number`` (a
    format with ``{n}``, empty for none) is drawn at the foot of each page;
    ``reverse_objects`` writes each page's objects bottom-up, so that only sorting by
    position gives the reading order; ``title`` is DocInfo/Title; ``scan`` (PNG bytes)
    is drawn as an image over the whole of every page, as a scanner's OFD has it.
    """
    next_id = 1  # ID 1 is the font
    members: dict[str, str] = {}

    def new_id() -> int:
        nonlocal next_id
        next_id += 1
        return next_id

    scan_id = new_id() if scan else None
    template_id = None
    if header:
        template_id = new_id()
        members["Doc_0/Tpls/Tpl_0/Content.xml"] = _content(
            [_text_object(new_id(), centred(header, HEADER_Y))], new_id(), None
        )
    page_entries = []
    for index, placed in enumerate(pages):
        items = [item for item in placed if isinstance(item, Placed)]
        if page_number:
            items.append(centred(page_number.format(n=index + 1), FOOTER_Y))
        if reverse_objects:
            items.reverse()
        page_id = new_id()
        objects = [_text_object(new_id(), item) for item in items]
        if scan_id:
            objects.insert(0, _image_object(new_id(), scan_id))
        members[f"Doc_0/Pages/Page_{index}/Content.xml"] = _content(objects, new_id(), template_id)
        page_entries.append(f'<ofd:Page ID="{page_id}" BaseLoc="Pages/Page_{index}/Content.xml"/>')

    template_entry = f'<ofd:TemplatePage ID="{template_id}" BaseLoc="Tpls/Tpl_0/Content.xml"/>' if template_id else ""
    members["Doc_0/Document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{NS}"><ofd:CommonData>'
        f"<ofd:MaxUnitID>{next_id}</ofd:MaxUnitID>"
        f"<ofd:PageArea><ofd:PhysicalBox>0 0 {PAGE_WIDTH:g} {PAGE_HEIGHT:g}</ofd:PhysicalBox></ofd:PageArea>"
        f"<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
        f"{'<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>' if scan else ''}{template_entry}</ofd:CommonData>"
        f"<ofd:Pages>{''.join(page_entries)}</ofd:Pages></ofd:Document>"
    )
    members["Doc_0/PublicRes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{NS}" BaseLoc="Res">'
        '<ofd:Fonts><ofd:Font ID="1" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
    )
    if scan:
        members["Doc_0/DocumentRes.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:MultiMedias>'
            f'<ofd:MultiMedia ID="{scan_id}" Type="Image" Format="PNG"><ofd:MediaFile>scan.png</ofd:MediaFile>'
            "</ofd:MultiMedia></ofd:MultiMedias></ofd:Res>"
        )
    info = f"<ofd:Title>{escape(title)}</ofd:Title>" if title else ""
    members["OFD.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" Version="1.1" DocType="OFD">'
        f"<ofd:DocBody><ofd:DocInfo><ofd:DocID>tanlu-test-0001</ofd:DocID>{info}"
        "<ofd:CreationDate>2025-07-10</ofd:CreationDate></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("OFD.xml", *sorted(name for name in members if name != "OFD.xml")):
            archive.writestr(name, members[name].encode("utf-8"))
        if scan:
            archive.writestr("Doc_0/Res/scan.png", scan)
    return buffer.getvalue()
