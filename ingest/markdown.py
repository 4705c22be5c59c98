"""Markdown with front matter -> sections with heading paths.

markdown-it-py gives the block structure; Markdown headings and the official numbering
at the start of paragraphs (一、 （一） 1. （1）) both open sections. A numbered paragraph
nests under the innermost Markdown heading in effect, so ``## 二、主要做法`` followed by
a plain ``（一）余热利用。…`` paragraph yields ``二、主要做法 > （一）余热利用``.
Tables become one text row per line that repeats the header: ``指标：…；单位：…``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.documents import Section
from ingest.numbering import numbering_level, split_numbered

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)

# A numbered line ending like a sentence is content as well as a heading.
_SENTENCE_END = "。！？；…!?;"

_PARSER = MarkdownIt("commonmark").enable("table")


class FrontMatterError(ValueError):
    """The YAML front matter is absent or does not parse."""


def split_front_matter(text: str) -> tuple[dict, str]:
    """Return (front matter mapping, Markdown body)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        raise FrontMatterError("缺少 YAML front matter（文件应以 --- 开头）")
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"（文件第{mark.line + 2}行）" if mark is not None else ""
        raise FrontMatterError(f"front matter 的 YAML 格式错误{where}：{getattr(error, 'problem', error)}") from error
    if not isinstance(data, dict):
        raise FrontMatterError("front matter 应为 YAML 映射（键: 值）")
    return data, text[match.end() :]


@dataclass
class _Heading:
    text: str
    style: int  # official numbering level of the text (0: unnumbered)
    markdown_level: int  # 1..6 for a Markdown heading, 0 for a numbered paragraph


class SectionBuilder:
    """Keeps the heading stack and collects blocks into sections.

    Shared by every format: Markdown feeds it headings and paragraphs; plain text
    feeds it paragraphs only and the numbering gives the structure. A numbered
    paragraph closes every open heading of the same or a deeper numbering level,
    Markdown or not, so ``## 二、…`` is closed by a plain ``三、…`` paragraph.
    """

    def __init__(self) -> None:
        self._stack: list[_Heading] = []
        self.sections: list[Section] = [Section(())]
        # Paged formats set the page before feeding its text; blocks record it.
        self.page = 0

    def _push(self, entry: _Heading) -> None:
        self._stack.append(entry)
        self.sections.append(Section(tuple(item.text for item in self._stack)))

    def heading(self, level: int, text: str) -> None:
        text = text.strip()
        if not text:
            return
        while self._stack and (self._stack[-1].markdown_level == 0 or self._stack[-1].markdown_level >= level):
            self._stack.pop()
        self._push(_Heading(text, numbering_level(text), level))

    def paragraph(self, text: str) -> None:
        """A paragraph; each line that starts with official numbering opens a section."""
        for part in _split_numbered_lines(text):
            self._numbered_or_plain(part)

    def _numbered_or_plain(self, text: str) -> None:
        numbered = split_numbered(text)
        if numbered is None:
            self.block(text)
            return
        while self._stack and 0 < self._stack[-1].style and self._stack[-1].style >= numbered.level:
            self._stack.pop()
        self._push(_Heading(numbered.heading, numbered.level, 0))
        if numbered.body or numbered.level >= 3 or text.rstrip()[-1] in _SENTENCE_END:
            self.block(text)

    def block(self, text: str) -> None:
        if text.strip():
            section = self.sections[-1]
            section.blocks.append(text.strip())
            if self.page:
                section.pages.extend([0] * (len(section.blocks) - 1 - len(section.pages)))
                section.pages.append(self.page)

    def result(self) -> list[Section]:
        return [section for section in self.sections if section.blocks]


def _split_numbered_lines(text: str) -> list[str]:
    """Join wrapped lines, but start a new paragraph at every numbered line."""
    parts: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if parts and not numbering_level(line):
            parts[-1] += line
        else:
            parts.append(line)
    return parts


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("hardbreak", "softbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def _table_rows(tokens: list[Token], start: int) -> tuple[list[str], int]:
    """Rows of the table opening at ``start`` as text, and the index after it."""
    header: list[str] = []
    rows: list[list[str]] = []
    current: list[str] = []
    in_head = False
    index = start
    while tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            current = []
        elif token.type == "inline":
            current.append(_inline_text(token).strip())
        elif token.type == "tr_close":
            (header.extend(current) if in_head else rows.append(current))
        index += 1
    lines = []
    for row in rows:
        cells = [f"{name}：{value}" if name else value for name, value in zip(header, row) if value]
        if cells:
            lines.append("；".join(cells) + "。")
    return lines, index + 1


def markdown_sections(body: str) -> list[Section]:
    """Parse a Markdown body into sections with heading paths."""
    tokens = _PARSER.parse(body)
    builder = SectionBuilder()
    list_numbers: list[tuple[bool, int]] = []  # (ordered, next number) per open list
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open":
            builder.heading(int(token.tag[1:]), _inline_text(tokens[index + 1]))
            index += 3
            continue
        if token.type == "table_open":
            rows, index = _table_rows(tokens, index)
            for row in rows:
                builder.block(row)
            continue
        if token.type in ("ordered_list_open", "bullet_list_open"):
            ordered = token.type == "ordered_list_open"
            list_numbers.append((ordered, int(token.attrGet("start") or 1) if ordered else 0))
        elif token.type in ("ordered_list_close", "bullet_list_close"):
            list_numbers.pop()
        elif token.type == "inline" and tokens[index - 1].type == "paragraph_open":
            text = _inline_text(token)
            opens_item = index >= 2 and tokens[index - 2].type == "list_item_open"
            if opens_item and list_numbers:
                ordered, number = list_numbers[-1]
                if ordered:
                    marker = tokens[index - 2].markup or "."
                    text = f"{tokens[index - 2].info or number}{marker} {text}"
                    list_numbers[-1] = (ordered, number + 1)
            builder.paragraph(text)
        elif token.type in ("fence", "code_block", "html_block"):
            builder.block(re.sub(r"<[^>]+>", "", token.content))
        index += 1
    return builder.result()
