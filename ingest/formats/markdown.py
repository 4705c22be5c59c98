"""Markdown with front matter -> sections with heading paths.

markdown-it-py gives the block structure; headings, list items and paragraphs go to the
shared SectionBuilder (ingest/formats/sections.py), where the official numbering at the
start of paragraphs (一、 （一） 1. （1）) opens sections too. Tables become one text row
per line that repeats the header: ``指标：…；单位：…``. The text is decoded like plain
text (UTF-8, GB18030, Big5, UTF-16 with a BOM): old office systems export Markdown as GBK.
"""

from __future__ import annotations

import re

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.documents import ParsedBody, Section
from ingest.errors import DocumentError
from ingest.formats.sections import SectionBuilder
from ingest.formats.text import decode_text
from ingest.yaml_input import load_yaml

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)

_PARSER = MarkdownIt("commonmark").enable("table")


class FrontMatterError(DocumentError, ValueError):
    """The YAML front matter is absent or does not parse."""

    def __init__(self, message: str) -> None:
        super().__init__(message, parameter="front matter")


def split_front_matter(text: str) -> tuple[dict, str]:
    """Return (front matter mapping, Markdown body)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        raise FrontMatterError("缺少 YAML front matter（文件应以 --- 开头）")
    try:
        data = load_yaml(match.group(1))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"（文件第{mark.line + 2}行）" if mark is not None else ""
        raise FrontMatterError(f"front matter 的 YAML 格式错误{where}：{getattr(error, 'problem', error)}") from error
    if not isinstance(data, dict):
        raise FrontMatterError("front matter 应为 YAML 映射（键: 值）")
    return data, text[match.end() :]


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
        cells = [f"{name}：{value}" if name else value for name, value in zip(header, row, strict=False) if value]
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


def parse(raw: bytes) -> ParsedBody:
    """A Markdown file, with its front matter when it opens with one."""
    source = decode_text(raw).lstrip("\ufeff")
    if not source.startswith("---"):
        return ParsedBody(markdown_sections(source))
    front_matter, body = split_front_matter(source)
    return ParsedBody(markdown_sections(body), front_matter=front_matter)
