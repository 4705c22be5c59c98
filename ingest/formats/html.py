"""HTML (.html, .htm) -> sections: the page's text and headings, without its chrome.

lxml.html parses the page (lxml is already installed as python-docx's dependency, is
fast, tolerant of broken markup and works offline; a readability-style extractor would
add a dependency and guess where TanLu needs the whole text of a saved policy page).
What is dropped: scripts, styles and other non-text (script, style, noscript, template,
svg, iframe…), navigation and page furniture (nav, aside, footer, a page-level header,
forms, role=navigation/banner/contentinfo…, and elements whose class or id names a
nav, menu, breadcrumb, footer or sidebar), and hidden elements. An element that holds
the page's h1, its main/article, or most of its text is never dropped for its class
or for being a form (ASP.NET pages wrap the whole page in one ``<form>``).
When the page has exactly one ``<main>`` (or else one ``<article>``) only that is read.

h1..h6 become headings; p, li, div and other blocks become paragraphs, where the
official numbering (一、 （一） 1.) still opens sections; ``<br>`` is a line break;
tables become one line per row repeating the header (ingest/formats/table_text.py),
except tables used for page layout, which are read as ordinary content.

The encoding comes from a BOM, else ``<meta charset>`` (or the XML declaration), else
detection as for plain text (GBK pages are common); the title from ``<title>`` without
a site-name suffix, or the first h1.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from ingest.documents import FormatError, ParsedBody
from ingest.formats.sections import SectionBuilder
from ingest.formats.table_text import Cell, table_lines
from ingest.formats.text import decode_text
from ingest.numbering import numbering_level
from ingest.text_normal import normalise_text

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")

# Never content.
_NON_TEXT = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "canvas",
        "head",
        "meta",
        "link",
        "button",
        "select",
        "option",
        "textarea",
        "input",
        "map",
        "audio",
        "video",
    }
)
# Page furniture by tag; the guarded ones may also wrap the whole page.
_CHROME_TAGS = frozenset({"nav", "aside", "footer", "menu", "dialog"})
_GUARDED_TAGS = frozenset({"form", "header"})
_CHROME_ROLES = frozenset(
    {
        "navigation",
        "banner",
        "contentinfo",
        "complementary",
        "search",
        "menu",
        "menubar",
        "toolbar",
        "dialog",
    }
)
_CHROME_WORDS = frozenset(
    {
        "nav",
        "navbar",
        "navigation",
        "topnav",
        "subnav",
        "sidenav",
        "menu",
        "menubar",
        "breadcrumb",
        "breadcrumbs",
        "crumb",
        "crumbs",
        "footer",
        "foot",
        "sidebar",
        "toolbar",
        "pagination",
        "pager",
        "share",
        "copyright",
        "skip",
    }
)
# Page headers; inside an article or main they head the text itself (title, date).
_PAGE_HEADER_WORDS = frozenset({"header", "banner", "topbar"})
_NEVER_DROPPED = frozenset({"html", "body", "main", "article"})
_WORD_SPLIT = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "figure",
        "figcaption",
        "address",
        "center",
        "table",
        "tr",
        "td",
        "th",
        "caption",
        "thead",
        "tbody",
        "tfoot",
        "hr",
        "body",
        "html",
        "details",
        "summary",
        "fieldset",
        "legend",
        "header",
        "footer",
        "form",
        "nav",
        "aside",
        "hgroup",
    }
)
_LINE_BREAK = "\u2028"  # a <br> until whitespace is collapsed; normalise_text makes it \n
_SOURCE_SPACE = re.compile(r"[ \t\n\r\f]+")
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SEGMENT_BREAK = re.compile(rf"(?<=[{_HAN}，。、；：！？”）])[ \t\r\f]*\n[ \t\n\r\f]*(?=[{_HAN}])")
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜| - | — | – )\s*")
_MIN_TITLE_CHARS = 4


def parse(raw: bytes) -> ParsedBody:
    """Parse an HTML page; FormatError if it is not text or holds nothing readable."""
    text = decode_text(raw, declared=_declared_encoding(raw))
    text = _XML_DECLARATION.sub("", text, count=1)  # lxml refuses str input that declares an encoding
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as error:
        raise FormatError(f"HTML 文件中没有可读的内容（{error}）") from error
    title = _title(root)
    _drop_chrome(root)
    reader = _Reader()
    reader.walk(_content_root(root))
    reader.flush()
    return ParsedBody(reader.builder.result(), title=title)


def _declared_encoding(raw: bytes) -> str | None:
    head = raw[:8192]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _title(root: etree._Element) -> str:
    """``<title>`` without a site suffix (「方案_通知公告_某某市人民政府」), or the first h1
    when it is the title itself (not a site logo that the title happens to contain)."""
    title_element = root.find(".//title")
    page_title = _clean(title_element.text_content()) if title_element is not None else ""
    h1 = next((text for element in root.iter("h1") if (text := _clean(element.text_content()))), "")
    first = _TITLE_SEPARATORS.split(page_title)[0] if page_title else ""
    if len(first) < _MIN_TITLE_CHARS:
        first = page_title
    if h1 and (not first or (h1 in page_title and len(h1) >= len(first))):
        return h1
    return first or h1


def _clean(text: str) -> str:
    return normalise_text(_SOURCE_SPACE.sub(" ", text)).strip()


def _drop_chrome(root: etree._Element) -> None:
    """Remove non-text elements, then page furniture (see the module docstring)."""
    _drop(element for element in root.iter() if _non_text(element))
    body_chars = len(_SOURCE_SPACE.sub("", root.text_content())) or 1
    furniture = []
    for element in root.iter():
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if not tag or tag in _NEVER_DROPPED:
            continue
        if tag in _CHROME_TAGS or (
            (
                (tag in _GUARDED_TAGS and not (tag == "header" and _inside(element, ("article", "main"))))
                or _chrome_by_attributes(element)
            )
            and not _holds_content(element, body_chars)
        ):
            furniture.append(element)
    _drop(furniture)


def _non_text(element: etree._Element) -> bool:
    """Comments, processing instructions, scripts, styles, embedded objects, hidden elements."""
    if not isinstance(element.tag, str):
        return True
    tag = element.tag.lower()
    # Pages that reveal themselves by script hide <body> until then; it is still the page.
    return tag in _NON_TEXT or (tag not in _NEVER_DROPPED and _hidden(element))


def _drop(elements) -> None:
    for element in list(elements):
        if element.getparent() is not None:
            element.drop_tree()  # keeps the tail text, which belongs to the parent


def _hidden(element: etree._Element) -> bool:
    return (
        element.get("hidden") is not None
        or element.get("aria-hidden", "").lower() == "true"
        or bool(_HIDDEN_STYLE.search(element.get("style", "")))
    )


def _chrome_by_attributes(element: etree._Element) -> bool:
    if element.get("role", "").lower() in _CHROME_ROLES:
        return True
    names = f"{element.get('class', '')} {element.get('id', '')}"
    words = {word.lower() for word in _WORD_SPLIT.split(names) if word}
    if words & _CHROME_WORDS:
        return True
    return bool(words & _PAGE_HEADER_WORDS) and not _inside(element, ("article", "main"))


def _inside(element: etree._Element, tags: tuple[str, ...]) -> bool:
    return any(isinstance(a.tag, str) and a.tag.lower() in tags for a in element.iterancestors())


def _holds_content(element: etree._Element, body_chars: int) -> bool:
    """Whether dropping ``element`` would lose the page itself."""
    if any(element.find(f".//{tag}") is not None for tag in ("h1", "main", "article")):
        return True
    return len(_SOURCE_SPACE.sub("", element.text_content())) > body_chars / 2


def _content_root(root: etree._Element) -> etree._Element:
    for tag in ("main", "article"):
        found = root.findall(f".//{tag}")
        if len(found) == 1:
            return found[0]
    body = root.find(".//body")
    return body if body is not None else root


class _Reader:
    """Walks the element tree, gathering inline text into paragraphs for a SectionBuilder."""

    def __init__(self) -> None:
        self.builder = SectionBuilder()
        self.buffer: list[str] = []
        self.prefix = ""  # a list item's number, put before its first paragraph

    def walk(self, element: etree._Element, preformatted: bool = False, number: str = "") -> None:
        """Feed ``element``; ``number`` is its marker when it is an item of an ``<ol>``."""
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag in _HEADINGS:
            self.flush()
            heading = _clean(self._inline(element)).replace("\n", " ")
            if heading:
                self.builder.heading(_HEADINGS[tag], heading)
            return
        if tag == "table" and self._data_table(element):
            return
        if tag == "br":
            self.buffer.append(_LINE_BREAK)
            return
        block = tag in _BLOCKS
        if block:
            self.flush()
        if tag == "li":
            self.prefix = number
        preformatted = preformatted or tag in ("pre", "textarea")
        self._text(element.text, preformatted)
        item = _list_start(element) if tag == "ol" else None
        for child in element:
            is_item = item is not None and isinstance(child.tag, str) and child.tag.lower() == "li"
            self.walk(child, preformatted, f"{item}." if is_item else "")
            if is_item and item is not None:
                item += 1
            self._text(child.tail, preformatted)
        if block:
            self.flush()

    def _text(self, text: str | None, preformatted: bool) -> None:
        if text:
            self.buffer.append(text.replace("\n", _LINE_BREAK) if preformatted else text)

    def flush(self) -> None:
        raw = "".join(self.buffer)
        self.buffer = []
        raw = _SEGMENT_BREAK.sub("", raw)  # a source line break between Chinese characters is no space
        text = normalise_text(_SOURCE_SPACE.sub(" ", raw))
        if not text:
            return
        if self.prefix:
            text = text if numbering_level(text) else f"{self.prefix}{text}"
            self.prefix = ""
        self.builder.paragraph(text)

    def _inline(self, element: etree._Element) -> str:
        parts: list[str] = []

        def gather(node: etree._Element) -> None:
            if isinstance(node.tag, str) and node.tag.lower() == "br":
                parts.append(_LINE_BREAK)
            parts.append(node.text or "")
            for child in node:
                gather(child)
                parts.append(child.tail or "")

        gather(element)
        return _SEGMENT_BREAK.sub("", "".join(parts))

    def _data_table(self, table: etree._Element) -> bool:
        """Read ``table`` as rows with headers and return True, unless it lays out the
        page (nested tables or headings in it, a single column or a single row)."""
        if table.find(".//table") is not None or any(table.find(f".//{tag}") is not None for tag in _HEADINGS):
            return False
        rows: list[list[Cell]] = []
        header_rows = 0
        all_header = True
        carried: dict[int, int] = {}  # column -> rows still covered by a rowspan above
        for tr in table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"):
            row: list[Cell] = []
            column = 0
            is_header = tr.getparent().tag == "thead"
            cells = [cell for cell in tr if isinstance(cell.tag, str) and cell.tag.lower() in ("td", "th")]
            for cell in cells:
                while carried.get(column, 0) > 0:
                    column += 1
                span = _span(cell.get("colspan"))
                text = _clean(self._inline(cell)).replace("\n", " ")
                row.append(Cell(text, column, span))
                rowspan = _span(cell.get("rowspan"))
                for covered in range(column, column + span):
                    carried[covered] = rowspan
                column += span
            for covered in list(carried):
                carried[covered] -= 1
            is_header = is_header or (bool(cells) and all(cell.tag.lower() == "th" for cell in cells))
            if all_header and is_header:
                header_rows += 1
            else:
                all_header = False
            rows.append(row)
        width = max((cell.column + cell.span for row in rows for cell in row), default=0)
        if len(rows) < 2 or width < 2:
            return False
        self.flush()
        caption = table.find("caption")
        if caption is not None and _clean(caption.text_content()):
            self.builder.paragraph(_clean(caption.text_content()))
        for line in table_lines(rows, header_rows or None):
            self.builder.block(line)
        return True


def _list_start(ol: etree._Element) -> int:
    try:
        return int(ol.get("start", "1"))
    except ValueError:
        return 1


def _span(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), 1000)  # browsers' own limit for colspan
    except ValueError:
        return 1
