"""Positioned lines of a paged document (PDF, OFD) -> sections with page numbers.

A PDF or OFD page is a set of lines placed by a typesetter, not paragraphs: a paragraph
wraps over several lines and may run on over a page break, with a running header and a
page number in between. Both formats hand their lines here, top to bottom, page by
page; this module drops the page furniture, finds the title, joins wrapped lines back
into paragraphs (hyphen-free, as Chinese needs) and feeds SectionBuilder, setting the
page of every paragraph so that citations can say 第N页.

Coordinates are in the format's own unit with the origin at the top left of the page.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

from ingest.documents import FormatError, Section
from ingest.formats.page_furniture import furniture, is_page_number
from ingest.formats.sections import SectionBuilder
from ingest.numbering import numbering_level
from ingest.text_normal import normalise_text

# A line ending in one of these (closing quotes and brackets aside) ends its paragraph.
_PARAGRAPH_END = "。！？；：…!?;:"
_CLOSERS = "”’」』）)]】〕》\"' "
# A title is set at least this much larger than the body text ...
_TITLE_SIZE_RATIO = 1.25
# ... and is at most this long (a two-line title included).
_TITLE_MAX_CHARS = 60
# Front-page lines of official documents that are large but not the title:
# the issuing-authority header 「…文件」 and the document number 「宁发改〔2025〕12号」.
_NOT_TITLE = re.compile(r"文件$|〔\d{4}〕\d+号|\[\d{4}\]\d+号")
_SENTENCE_END = re.compile(r"[。！？；!?;…][”’」』）)]*")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
_FIRST_LATIN_WORD = re.compile(r"[!-~]+")
# A metadata title that is a file name or a placeholder says nothing about the document.
_PLACEHOLDER_TITLE = re.compile(
    r"^(?:microsoft\s+(?:word|powerpoint|excel)\s*-|untitled|无标题|新建|document\d*$|文档\d*$)"
    r"|\.(?:docx?|wps|pdf|ofd|txt|rtf|odt|xlsx?|pptx?|html?)$",
    re.IGNORECASE,
)
_WORDLIKE = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]{4}")
_RADICAL = re.compile("[\u2e80-\u2fdf\uf900-\ufaff]")


@dataclass(frozen=True)
class Line:
    """One typeset line: its text, box and font size. ``table_row`` marks a table row
    already written as text (``指标：…；单位：…。``), never joined to its neighbours."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    table_row: bool = False


@dataclass
class Page:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)


@dataclass
class PagedText:
    """What a paged document yields: sections and the title found on its first page."""

    sections: list[Section]
    title: str


def meaningful_title(value: object) -> str:
    """The title a file's metadata declares, or "" when it is only a placeholder
    (「Microsoft Word - 文档1.docx」「无标题」) or not text at all."""
    if not isinstance(value, str):
        return ""
    title = " ".join(value.split())
    if not title or len(title) > 100 or _PLACEHOLDER_TITLE.search(title) or not _WORDLIKE.search(title):
        return ""
    return title


def page_ranges(numbers: Sequence[int]) -> str:
    """「2–4、7」 for pages 2, 3, 4 and 7."""
    parts: list[str] = []
    start = previous = None
    for number in [*sorted(numbers), None]:
        if previous is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}–{previous}")
        start = previous = number
    return "、".join(parts)


def check_text_layer(pages: Sequence[Page], kind: str) -> None:
    """Refuse a document whose pages carry no text: a scan needs OCR first.

    A document where most pages are empty (more than half, and at least two) is refused
    too, naming the empty pages: reading only its few text pages would silently lose
    the rest, while a blank page or two in a long report is normal.
    """
    empty = [page.number for page in pages if not any(line.text.strip() for line in page.lines)]
    if len(empty) == len(pages):
        raise FormatError(f"{kind} 没有文字层（可能是扫描件），需先做 OCR")
    if len(empty) >= 2 and 2 * len(empty) > len(pages):
        raise FormatError(
            f"{kind} 第{page_ranges(empty)}页没有文字层（可能是扫描件），共 {len(pages)} 页中只有 "
            f"{len(pages) - len(empty)} 页有文字，需先做 OCR"
        )


def paged_sections(pages: Sequence[Page], kind: str) -> PagedText:
    """Sections with page numbers from the lines of every page, top to bottom.

    ``kind`` (``PDF``, ``OFD``) names the format in the FormatError raised when the
    pages carry no text besides page furniture: a scanner that stamps page numbers
    as text still makes a scan.
    """
    pages = _without_furniture([_normalised(page) for page in pages])
    check_text_layer(pages, kind)
    body_size = _body_size(pages)
    title, title_lines = _title(pages[0] if pages else None, body_size)
    if title_lines:
        pages[0].lines = [line for index, line in enumerate(pages[0].lines) if index not in title_lines]
    layout = _Layout(pages, body_size)
    builder = SectionBuilder()
    for paragraph in layout.paragraphs():
        paragraph.feed(builder)
    return PagedText(builder.result(), title)


def clean_line(text: str) -> str:
    """The shared clean-up of Chinese text, plus the PDF font quirk of Kangxi radicals
    and compatibility ideographs standing in for ordinary characters (⾦ for 金)."""
    text = _RADICAL.sub(lambda match: unicodedata.normalize("NFKC", match.group(0)), text)
    return normalise_text(text).strip()


def _normalised(page: Page) -> Page:
    lines = []
    for line in page.lines:
        text = clean_line(line.text)
        if text:
            lines.append(replace(line, text=text))
    return Page(page.number, page.width, page.height, lines)


def _without_furniture(pages: Sequence[Page]) -> list[Page]:
    counts = furniture([[line.text for line in page.lines] for page in pages])
    kept = []
    for page, (top, bottom) in zip(pages, counts, strict=True):
        lines = page.lines[top : len(page.lines) - bottom]
        kept.append(Page(page.number, page.width, page.height, lines))
    return kept


def _body_size(pages: Sequence[Page]) -> float:
    """The font size most of the text is set in (weighted by characters)."""
    sizes: list[float] = []
    for page in pages:
        for line in page.lines:
            if not line.table_row and line.size > 0:
                sizes.extend([round(line.size, 1)] * len(line.text))
    return statistics.median(sizes) if sizes else 0.0


def _title(page: Page | None, body_size: float) -> tuple[str, list[int]]:
    """The title at the top of the first page and the indexes of its lines.

    The title is the first run of lines near the top set clearly larger than the body
    text (the issuing authority's 「…文件」 and the document number aside); failing
    that, a first line that is short, centred and reads like a heading.
    """
    if page is None or not page.lines or body_size <= 0:
        return "", []
    taken: list[int] = []
    for index, line in enumerate(page.lines[:6]):
        large = line.size >= _TITLE_SIZE_RATIO * body_size and not line.table_row
        if large and _NOT_TITLE.search(line.text.strip()) and not taken:
            continue
        if taken and (not large or abs(line.size - page.lines[taken[0]].size) > 0.1 * line.size):
            break
        if large:
            taken.append(index)
        elif index >= 3:
            break
    text = "".join(page.lines[index].text.strip() for index in taken)
    if taken and len(text) <= _TITLE_MAX_CHARS and not numbering_level(text) and not is_page_number(text):
        return text, taken
    first = page.lines[0]
    text = first.text.strip()
    centre = (first.x0 + first.x1) / 2
    left = min(line.x0 for line in page.lines)
    right = max(line.x1 for line in page.lines)
    if (
        page.width > 0
        and not first.table_row
        and 4 <= len(text) <= _TITLE_MAX_CHARS // 2
        and abs(centre - page.width / 2) <= 0.05 * page.width
        and first.x0 - left >= 2 * first.size
        and right - first.x1 >= 2 * first.size
        and not numbering_level(text)
        and text[-1] not in _PARAGRAPH_END
        and not _NOT_TITLE.search(text)
        and len(page.lines) > 1
    ):
        return text, [0]
    return "", []


def join_wrapped(left: str, right: str) -> str:
    """Join two wrapped lines: no space in Chinese, one between two Latin words."""
    if left and right and _ASCII_WORD.match(left[-1]) and right[0].isascii() and right[0].isalpha():
        return f"{left} {right}"
    return left + right


def _ends_paragraph(text: str) -> bool:
    stripped = text.rstrip(_CLOSERS)
    return not stripped or stripped[-1] in _PARAGRAPH_END


@dataclass
class _Paragraph:
    text: str
    page: int
    # (offset in text, page) where the paragraph runs on onto a new page.
    breaks: list[tuple[int, int]] = field(default_factory=list)
    table_row: bool = False

    def feed(self, builder: SectionBuilder) -> None:
        """Give the paragraph to the builder; a paragraph that runs over a page break
        is cut after the sentence the break falls in, so that each later sentence
        carries the page it is on (the continuation is plain text, never a heading)."""
        builder.page = self.page
        if self.table_row:
            builder.block(self.text)
            return
        cuts: list[int] = []
        for offset, _ in self.breaks:
            end = _SENTENCE_END.search(self.text, max(offset, cuts[-1] if cuts else 0))
            if end is not None and end.end() < len(self.text):
                cuts.append(end.end())
        starts = [0, *cuts]
        for index, start in enumerate(starts):
            piece = self.text[start : starts[index + 1] if index + 1 < len(starts) else len(self.text)]
            builder.page = self._page_at(start)
            (builder.paragraph if index == 0 else builder.block)(piece)

    def _page_at(self, offset: int) -> int:
        page = self.page
        for start, number in self.breaks:
            if start <= offset:
                page = number
        return page


class _Layout:
    """The margins of each page, and the rules that tell a wrapped line from the end of
    a paragraph."""

    def __init__(self, pages: Sequence[Page], body_size: float) -> None:
        self.pages = [page for page in pages if page.lines]
        self.body_size = body_size
        self.left: dict[int, float] = {}
        self.right: dict[int, float] = {}
        all_right = [line.x1 for page in self.pages for line in page.lines if self._body_line(line)]
        all_left = [line.x0 for page in self.pages for line in page.lines if self._body_line(line)]
        for page in self.pages:
            body = [line for line in page.lines if self._body_line(line)]
            if len(body) >= 5:
                self.left[page.number] = min(line.x0 for line in body)
                self.right[page.number] = max(line.x1 for line in body)
            else:  # too few lines to tell the margins: use the document's
                self.left[page.number] = min(all_left, default=0.0)
                self.right[page.number] = max(all_right, default=0.0)
        self.indented_paragraphs = self._uses_first_line_indent()

    def _body_line(self, line: Line) -> bool:
        return not line.table_row and (not self.body_size or abs(line.size - self.body_size) <= 0.15 * self.body_size)

    def _indented(self, line: Line, page: int) -> bool:
        return line.x0 - self.left[page] >= 1.5 * max(line.size, 1e-6)

    def _full(self, line: Line, page: int, following: Line) -> bool:
        """Whether the typesetter had to break ``line``: what starts the next line
        would not have fitted in the room left (a Chinese character, or the next
        Latin word), allowing an em for a character pushed down with a closing mark
        that may not start a line, or for ragged (unjustified) setting."""
        room = self.right[page] - line.x1
        word = _FIRST_LATIN_WORD.match(following.text.strip())
        needed = len(word.group(0)) * 0.5 * following.size if word else following.size
        return room < needed + line.size

    def _uses_first_line_indent(self) -> bool:
        """Whether paragraphs here start indented (公文 indent two characters): then an
        unindented line after a full one is a continuation even if it looks numbered."""
        starts = indented = 0
        for page in self.pages:
            for previous, line in pairwise(page.lines):
                if not previous.table_row and not line.table_row and _ends_paragraph(previous.text):
                    starts += 1
                    indented += self._indented(line, page.number)
        return starts >= 3 and indented >= 0.6 * starts

    def continues(self, line: Line, page: int, following: Line, next_page: int) -> bool:
        """Whether ``following`` carries on the paragraph that ``line`` is in."""
        if line.table_row or following.table_row or _ends_paragraph(line.text):
            return False
        if not self._full(line, page, following):
            return False
        if abs(line.size - following.size) > 0.15 * max(line.size, following.size):
            return False
        if self._indented(following, next_page):
            return False
        if numbering_level(following.text):
            return self.indented_paragraphs
        return True

    def paragraphs(self) -> list[_Paragraph]:
        paragraphs: list[_Paragraph] = []
        previous: tuple[Line, int] | None = None
        for page in self.pages:
            for line in page.lines:
                text = line.text.strip()
                if not text:
                    continue
                if previous is not None and self.continues(previous[0], previous[1], line, page.number):
                    current = paragraphs[-1]
                    if page.number != previous[1]:
                        current.breaks.append((len(current.text), page.number))
                    current.text = join_wrapped(current.text, text)
                else:
                    paragraphs.append(_Paragraph(text, page.number, table_row=line.table_row))
                previous = (line, page.number)
        return paragraphs
