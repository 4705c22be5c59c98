"""Word (.docx) -> sections, reading the body in order.

python-docx opens the package; the body is walked as XML so that paragraphs and
tables come in reading order (``document.paragraphs`` then ``document.tables`` would
put every table at the end), and so that what python-docx has no API for is read too:

- Headings: a style named Heading 1..9 / 标题 1..9 (or based on one), else an outline
  level on the paragraph or its style. Plain paragraphs numbered 一、 （一） 1. open
  sections through SectionBuilder as in every format.
- Word's own numbering (``w:numPr``) is rendered from numbering.xml, so a list or a
  heading Word numbers ``1.`` / ``（一）`` keeps that number in the text and the heading
  path; bullet items are read as plain paragraphs.
- Tables become one line per row repeating the header (ingest/formats/table_text.py),
  merged cells given once; a one-cell table (a framed box) is read as body text.
- Footnotes and endnotes (word/footnotes.xml, word/endnotes.xml) are put right after
  the paragraph that cites them, as ``注1：…`` / ``尾注1：…`` in the same section.
- Text boxes are read after the paragraph they are anchored to; headers, footers,
  tables of contents, deleted revisions and hidden text are dropped.

The title is the core property ``title``, else the Title-styled paragraph(s) at the
start, else a first short paragraph, centred and bold or large, that reads as a title.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from ingest.documents import FormatError, ParsedBody
from ingest.formats.sections import SectionBuilder
from ingest.formats.table_text import Cell, table_lines
from ingest.formats.zip_bomb import refuse_zip_bomb
from ingest.numbering import numbering_level
from ingest.text_normal import normalise_text

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


_P, _TBL, _SDT, _SDT_CONTENT, _TR, _TC, _R = (_w(tag) for tag in ("p", "tbl", "sdt", "sdtContent", "tr", "tc", "r"))
_T, _TAB, _BR, _CR, _TXBX = (_w(tag) for tag in ("t", "tab", "br", "cr", "txbxContent"))
_FOOTNOTE_REF, _ENDNOTE_REF = _w("footnoteReference"), _w("endnoteReference")
_VAL = _w("val")
_FALLBACK = f"{{{_MC}}}Fallback"
# Never text of the paragraph itself: properties, deleted or moved-away revisions,
# field instructions, drawings and alternate content (text boxes are read apart).
_SKIPPED = frozenset(
    [
        _w(tag)
        for tag in (
            "pPr",
            "rPr",
            "sdtPr",
            "sdtEndPr",
            "del",
            "moveFrom",
            "instrText",
            "delText",
            "drawing",
            "pict",
            "object",
            "rt",
        )
    ]
    + [f"{{{_MC}}}AlternateContent"]
)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLE = re.compile(r"^(?:title|标题)$", re.IGNORECASE)
_TOC_STYLE = re.compile(r"^(?:toc|目录)\s*(?:\d|heading|标题)", re.IGNORECASE)
_TITLE_MAX_CHARS = 40
_NOT_TITLE_END = "。！？；…!?;：:，,、"
_MAX_COLUMNS = 63  # Word's limit; a larger span in the XML is damage, not layout
_LARGE_TITLE_HALF_POINTS = 36  # 18 pt: larger than body text, even 公文's 三号 (16 pt)


def parse(raw: bytes) -> ParsedBody:
    """Parse a .docx file; FormatError if it is not a readable Word document."""
    document = _open(raw)
    return _Reader(document).read()


def _open(raw: bytes):
    if raw.startswith(_OLE_MAGIC):
        if _ENCRYPTED_MARK in raw:
            raise FormatError("Word 文件设有打开密码（已加密），请取消密码后再导入")
        raise FormatError("这是旧版 Word 文件（.doc），请用 Word 或 WPS 打开后另存为 .docx 再导入")
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise _damaged("不是有效的 zip 压缩包，可能不完整")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise _damaged("压缩包目录损坏") from error
    refuse_zip_bomb(members, "Word 文件")
    try:
        return docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise _damaged("压缩包内容损坏") from error
    except (KeyError, PackageNotFoundError) as error:
        raise _damaged("压缩包中没有 Word 文档内容") from error
    except etree.XMLSyntaxError as error:
        raise _damaged(f"文档 XML 损坏，第{error.lineno}行") from error
    except ValueError as error:  # python-docx: "… is not a Word file, content type is '…'"
        message = str(error)
        if "spreadsheetml" in message or "ms-excel" in message:
            raise _damaged("其中是 Excel 表格") from error
        if "presentationml" in message or "ms-powerpoint" in message:
            raise _damaged("其中是 PowerPoint 演示文稿") from error
        raise _damaged("压缩包中不是 Word 文档") from error
    except Exception as error:  # python-docx raises many kinds on a malformed package
        raise _damaged(f"无法打开：{type(error).__name__}") from error


def _damaged(reason: str) -> FormatError:
    return FormatError(f"Word 文件已损坏或不是 .docx（{reason}）")


@dataclass
class _Style:
    name: str
    based_on: str
    ppr: etree._Element | None


@dataclass
class _Level:
    start: int
    fmt: str
    text: str


@dataclass
class _Num:
    abstract_id: str
    starts: dict[int, int] = field(default_factory=dict)  # ilvl -> startOverride


class _Numbering:
    """Word's automatic numbering, rendered as it is displayed.

    Counters run per abstract list (Word continues a list across ``w:num`` instances
    of the same definition) unless an instance restarts it with a start override; a
    level that advances resets the levels below it.
    """

    def __init__(self, root: etree._Element | None) -> None:
        self.levels: dict[str, dict[int, _Level]] = {}
        self.style_levels: dict[str, tuple[str, int]] = {}  # styleId -> (abstractNumId, ilvl)
        self.nums: dict[str, _Num] = {}
        self.counters: dict[tuple[str, str], list[int | None]] = {}
        if root is None:
            return
        for abstract in root.iterchildren(_w("abstractNum")):
            abstract_id = abstract.get(_w("abstractNumId"), "")
            levels = self.levels.setdefault(abstract_id, {})
            for lvl in abstract.iterchildren(_w("lvl")):
                ilvl = _int(lvl.get(_w("ilvl")), 0)
                levels[ilvl] = _Level(
                    start=_int(_child_val(lvl, "start"), 1),
                    fmt=_child_val(lvl, "numFmt") or "decimal",
                    text=_child_val(lvl, "lvlText") or "",
                )
                style = _child_val(lvl, "pStyle")
                if style:
                    self.style_levels[style] = (abstract_id, ilvl)
        for num in root.iterchildren(_w("num")):
            entry = _Num(_child_val(num, "abstractNumId") or "")
            for override in num.iterchildren(_w("lvlOverride")):
                start = _child_val(override, "startOverride")
                if start is not None:
                    entry.starts[_int(override.get(_w("ilvl")), 0)] = _int(start, 1)
            self.nums[num.get(_w("numId"), "")] = entry

    def ilvl_for_style(self, style_id: str, num_id: str) -> int | None:
        linked = self.style_levels.get(style_id)
        num = self.nums.get(num_id)
        if linked and num and linked[0] == num.abstract_id:
            return linked[1]
        return None

    def marker(self, num_id: str, ilvl: int) -> tuple[str, bool] | None:
        """(displayed marker, is a bullet) for the next item of list ``num_id`` at ``ilvl``."""
        num = self.nums.get(num_id)
        if num is None or num_id == "0":
            return None
        levels = self.levels.get(num.abstract_id, {})
        level = levels.get(ilvl)
        if level is None:
            return None
        key = ("num", num_id) if num.starts else ("abstract", num.abstract_id)
        counters = self.counters.setdefault(key, [None] * 10)
        current = counters[ilvl]
        counters[ilvl] = num.starts.get(ilvl, level.start) if current is None else current + 1
        for deeper in range(ilvl + 1, len(counters)):
            counters[deeper] = None
        if level.fmt == "bullet":
            return "", True
        if level.fmt == "none":
            return "", False

        def number(match: re.Match[str]) -> str:
            at = int(match.group(1)) - 1
            shown = levels.get(at)
            if shown is None:
                return ""
            current = counters[at]
            value = current if current is not None else num.starts.get(at, shown.start)
            return _format_number(value, shown.fmt)

        return re.sub(r"%([1-9])", number, level.text), False


_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_EARTHLY_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"


def _format_number(value: int, fmt: str) -> str:
    """A list number as Word displays it in format ``fmt`` (common formats; others decimal)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting"):
        return _chinese_number(value, _CN_DIGITS, "十")
    if fmt == "chineseLegalSimplified":
        return _chinese_number(value, _CN_LEGAL, "拾")
    if fmt == "ideographTraditional" and 1 <= value <= 10:
        return _HEAVENLY_STEMS[value - 1]
    if fmt == "ideographZodiac" and 1 <= value <= 12:
        return _EARTHLY_BRANCHES[value - 1]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= value <= 20:
        return chr(0x2460 + value - 1)
    if fmt == "decimalEnclosedParen" and 1 <= value <= 20:
        return chr(0x2474 + value - 1)
    if fmt == "decimalEnclosedFullstop" and 1 <= value <= 20:
        return chr(0x2488 + value - 1)
    if fmt in ("upperLetter", "lowerLetter") and value >= 1:
        letter = chr(ord("A") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman") and 1 <= value < 4000:
        roman = _roman(value)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)


def _chinese_number(value: int, digits: str, ten: str) -> str:
    if not 0 < value < 100:
        return str(value)
    tens, units = divmod(value, 10)
    head = "" if tens == 0 else (ten if tens == 1 else digits[tens] + ten)
    return head + (digits[units] if units else "")


def _roman(value: int) -> str:
    numerals = (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    )
    out = ""
    for amount, numeral in numerals:
        count, value = divmod(value, amount)
        out += numeral * count
    return out


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _child_val(element: etree._Element, tag: str) -> str | None:
    child = element.find(_w(tag))
    return None if child is None else child.get(_VAL)


def _has_ancestor(element: etree._Element, stop: etree._Element, *tags: str) -> bool:
    """Whether an element between ``element`` and ``stop`` (both excluded) has one of ``tags``."""
    ancestor = element.getparent()
    while ancestor is not None and ancestor is not stop:
        if ancestor.tag in tags:
            return True
        ancestor = ancestor.getparent()
    return False


def _on(element: etree._Element | None) -> bool:
    """A WordprocessingML on/off property: present and not switched off."""
    return element is not None and element.get(_VAL, "true").lower() not in ("0", "false", "off")


class _Reader:
    """Walks the document body once, feeding a SectionBuilder."""

    def __init__(self, document) -> None:
        self.document = document
        self.builder = SectionBuilder()
        self.styles = self._read_styles()
        self.default_style = next(
            (sid for sid, el in self._style_elements() if el.get(_w("default")) in ("1", "true")), ""
        )
        self.numbering = _Numbering(self._part_xml(RT.NUMBERING))
        self.note_counts = {"footnote": 0, "endnote": 0}
        # Empty while the notes themselves are read (a note citing a note cites nothing).
        self.notes: dict[str, dict[str, str]] = {"footnote": {}, "endnote": {}}
        self.notes = {
            "footnote": self._read_notes(self._part_xml(RT.FOOTNOTES), "footnote"),
            "endnote": self._read_notes(self._part_xml(RT.ENDNOTES), "endnote"),
        }
        self.pending_notes: list[str] = []
        self.title_parts: list[str] = []
        self.seen_body = False

    # -- package parts -------------------------------------------------------------

    def _style_elements(self):
        root = self.document.styles.element
        for style in root.iterchildren(_w("style")):
            if style.get(_w("type")) == "paragraph":
                yield style.get(_w("styleId"), ""), style

    def _read_styles(self) -> dict[str, _Style]:
        styles = {}
        for style_id, element in self._style_elements():
            styles[style_id] = _Style(
                name=(_child_val(element, "name") or "").strip(),
                based_on=_child_val(element, "basedOn") or "",
                ppr=element.find(_w("pPr")),
            )
        return styles

    def _part_xml(self, reltype: str) -> etree._Element | None:
        """The root element of a part related to the document, parsed from its bytes
        (python-docx keeps footnotes and endnotes as opaque parts)."""
        for rel in self.document.part.rels.values():
            if rel.reltype == reltype and not rel.is_external:
                part = rel.target_part
                element = getattr(part, "element", None)
                if element is not None:
                    return element
                try:
                    return etree.fromstring(part.blob, etree.XMLParser(resolve_entities=False, no_network=True))
                except etree.XMLSyntaxError:
                    return None  # an unreadable notes part loses the notes, not the document
        return None

    def _read_notes(self, root: etree._Element | None, kind: str) -> dict[str, str]:
        notes: dict[str, str] = {}
        if root is None:
            return notes
        for note in root.iterchildren(_w(kind)):
            if note.get(_w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            paragraphs = [self._inline_text(p, []) for p in note.iter(_P)]
            text = normalise_text(" ".join(part for part in paragraphs if part.strip()))
            if text:
                notes[note.get(_w("id"), "")] = text
        return notes

    # -- styles ----------------------------------------------------------------------

    def _style_chain(self, style_id: str) -> list[tuple[str, _Style]]:
        chain: list[tuple[str, _Style]] = []
        seen: set[str] = set()
        while style_id and style_id in self.styles and style_id not in seen and len(chain) < 12:
            seen.add(style_id)
            style = self.styles[style_id]
            chain.append((style_id, style))
            style_id = style.based_on
        return chain

    def _paragraph_style(self, p: etree._Element) -> str:
        ppr = p.find(_w("pPr"))
        style_id = _child_val(ppr, "pStyle") if ppr is not None else None
        return style_id or self.default_style

    def _kind(self, p: etree._Element, chain: list[tuple[str, _Style]]) -> tuple[str, int]:
        """("heading", level), ("title", 0), ("toc", 0) or ("body", 0)."""
        for _, style in chain:
            if _TOC_STYLE.match(style.name):
                return "toc", 0
            if _TITLE_STYLE.match(style.name):
                return "title", 0
        ppr = p.find(_w("pPr"))
        direct = _child_val(ppr, "outlineLvl") if ppr is not None else None
        if direct is not None:
            level = _int(direct, 9)
            return ("heading", level + 1) if level < 9 else ("body", 0)
        for _, style in chain:
            match = _HEADING_STYLE.match(style.name)
            if match:
                return "heading", int(match.group(1))
            outline = _child_val(style.ppr, "outlineLvl") if style.ppr is not None else None
            if outline is not None:
                level = _int(outline, 9)
                return ("heading", level + 1) if level < 9 else ("body", 0)
        return "body", 0

    def _list_marker(self, p: etree._Element, chain: list[tuple[str, _Style]]) -> tuple[str, bool] | None:
        ppr = p.find(_w("pPr"))
        num_pr = ppr.find(_w("numPr")) if ppr is not None else None
        num_id = _child_val(num_pr, "numId") if num_pr is not None else None
        ilvl_value = _child_val(num_pr, "ilvl") if num_pr is not None else None
        for chain_id, style in chain:
            if num_id is not None and ilvl_value is not None:
                break
            style_num = style.ppr.find(_w("numPr")) if style.ppr is not None else None
            if style_num is None:
                continue
            num_id = num_id if num_id is not None else _child_val(style_num, "numId")
            if ilvl_value is None:
                ilvl_value = _child_val(style_num, "ilvl")
                if ilvl_value is None and num_id is not None:
                    linked = self.numbering.ilvl_for_style(chain_id, num_id)
                    ilvl_value = None if linked is None else str(linked)
        if num_id is None:
            return None
        return self.numbering.marker(num_id, _int(ilvl_value, 0))

    # -- text ------------------------------------------------------------------------

    def _inline_text(self, element: etree._Element, notes: list[str]) -> str:
        parts: list[str] = []
        self._collect(element, parts, notes)
        return "".join(parts)

    def _collect(self, element: etree._Element, parts: list[str], notes: list[str]) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIPPED:
                continue
            if tag == _T:
                parts.append(child.text or "")
            elif tag == _TAB:
                parts.append("\t")
            elif tag in (_BR, _CR):
                if child.get(_w("type")) not in ("page", "column"):
                    parts.append("\n")
            elif tag == _w("noBreakHyphen"):
                parts.append("-")
            elif tag in (_FOOTNOTE_REF, _ENDNOTE_REF):
                kind = "footnote" if tag == _FOOTNOTE_REF else "endnote"
                self.note_counts[kind] += 1
                text = self.notes[kind].get(child.get(_w("id"), ""))
                if text:
                    label = "注" if kind == "footnote" else "尾注"
                    notes.append(f"{label}{self.note_counts[kind]}：{text}")
            elif tag == _R and _on(child.find(f"{_w('rPr')}/{_w('vanish')}")):
                continue  # hidden text
            else:
                self._collect(child, parts, notes)

    @staticmethod
    def _text_boxes(p: etree._Element) -> list[etree._Element]:
        """Outermost text-box contents anchored in ``p`` (the VML fallback copy skipped)."""
        return [box for box in p.iter(_TXBX) if not _has_ancestor(box, p, _TXBX, _FALLBACK)]

    # -- body ------------------------------------------------------------------------

    def read(self) -> ParsedBody:
        self._blocks(self.document.element.body)
        title = normalise_text(self.document.core_properties.title or "").replace("\n", " ")
        if not title:
            title = "".join(self.title_parts)
        return ParsedBody(self.builder.result(), title=title)

    def _blocks(self, container: etree._Element) -> None:
        for child in container.iterchildren():
            if child.tag == _P:
                self._paragraph(child)
            elif child.tag == _TBL:
                self._table(child)
            elif child.tag == _SDT:
                if self._is_toc(child):
                    continue
                content = child.find(_SDT_CONTENT)
                if content is not None:
                    self._blocks(content)
            elif child.tag in (_w("customXml"), _w("ins"), _w("moveTo")):
                self._blocks(child)

    @staticmethod
    def _is_toc(sdt: etree._Element) -> bool:
        gallery = sdt.find(f"{_w('sdtPr')}/{_w('docPartObj')}/{_w('docPartGallery')}")
        return gallery is not None and "Contents" in (gallery.get(_VAL) or "")

    def _paragraph(self, p: etree._Element) -> None:
        style_id = self._paragraph_style(p)
        chain = self._style_chain(style_id)
        kind, level = self._kind(p, chain)
        marker = self._list_marker(p, chain)
        notes: list[str] = []
        text = normalise_text(self._inline_text(p, notes))
        if kind != "toc" and text:
            text = self._with_marker(text, marker)
            if kind == "title" and not self.seen_body:
                self.title_parts.append(text.replace("\n", ""))
            elif kind == "heading" and "".join(text.split()) != "目录":
                self.builder.heading(min(level, 6), text.replace("\n", ""))
                self.seen_body = True
            elif kind != "heading":
                if not self.seen_body and not self.title_parts and self._looks_like_title(p, text):
                    self.title_parts.append(text)
                else:
                    self.builder.paragraph(text)
                self.seen_body = True
        for note in notes:
            self.builder.block(note)
        for box in self._text_boxes(p):
            self._blocks(box)

    @staticmethod
    def _with_marker(text: str, marker: tuple[str, bool] | None) -> str:
        if marker is None or marker[1] or not marker[0].strip() or numbering_level(text):
            return text
        label = normalise_text(marker[0])
        spaced = label[-1:].isascii() and text[:1].isascii()
        return f"{label} {text}" if spaced else label + text

    def _looks_like_title(self, p: etree._Element, text: str) -> bool:
        """A first paragraph that is centred and bold or large, short, unnumbered and not a sentence."""
        if (
            "\n" in text
            or len(text) > _TITLE_MAX_CHARS
            or numbering_level(text)
            or text[-1] in _NOT_TITLE_END
            or "〔" in text  # a document number line: 宁发改〔2025〕12号
        ):
            return False
        ppr = p.find(_w("pPr"))
        centred = ppr is not None and _child_val(ppr, "jc") == "center"
        runs = [run for run in p.iter(_R) if run.find(_T) is not None]
        if not runs:
            return False
        bold = all(_on(run.find(f"{_w('rPr')}/{_w('b')}")) for run in runs)
        sizes = [_int(_child_val(rpr, "sz"), 0) for run in runs if (rpr := run.find(_w("rPr"))) is not None]
        large = bool(sizes) and min(sizes) >= _LARGE_TITLE_HALF_POINTS
        return centred and (bold or large)

    def _table(self, tbl: etree._Element) -> None:
        layout: list[list[tuple[etree._Element, int, int]]] = []  # (cell, column, span) per row
        for tr in tbl.iterchildren(_TR):
            row = []
            trpr = tr.find(_w("trPr"))
            column = min(_int(_child_val(trpr, "gridBefore"), 0), _MAX_COLUMNS) if trpr is not None else 0
            for tc in tr.iterchildren(_TC):
                tcpr = tc.find(_w("tcPr"))
                span = min(max(_int(_child_val(tcpr, "gridSpan"), 1), 1), _MAX_COLUMNS) if tcpr is not None else 1
                merge = tcpr.find(_w("vMerge")) if tcpr is not None else None
                if merge is None or merge.get(_VAL, "continue") == "restart":
                    row.append((tc, column, span))
                column += span
            layout.append(row)
        cells = [cell for row in layout for cell in row]
        if len(cells) == 1:
            # A one-cell table frames text (a box or a layout table): read it as body.
            self._blocks(cells[0][0])
            return
        notes: list[str] = []
        rows = [[Cell(self._cell_text(tc, notes), column, span) for tc, column, span in row] for row in layout]
        for line in table_lines(rows):
            self.builder.block(line)
        self.seen_body = True
        for note in notes:
            self.builder.block(note)

    def _cell_text(self, tc: etree._Element, notes: list[str]) -> str:
        parts = []
        for p in tc.iter(_P):
            if _has_ancestor(p, tc, _FALLBACK):
                continue
            marker = self._list_marker(p, self._style_chain(self._paragraph_style(p)))
            text = normalise_text(self._inline_text(p, notes))
            if text:
                parts.append(self._with_marker(text, marker))
        return normalise_text(" ".join(parts))
