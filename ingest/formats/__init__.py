"""The formats TanLu reads: one table, one parser module each.

Each parser module turns a file's bytes into a ``ParsedBody`` (sections with heading
paths, front matter when the format has it, a title when the file carries one) with a
``parse(raw: bytes)`` function, and raises ``FormatError`` with a Chinese message when it
cannot. The loader picks the parser from this table, ``ingest/sniff.py`` names formats by
it, and the upload API saves files under its extensions.

Parser modules are imported on first use: a PDF or Word library costs seconds and
hundreds of MB, and the content sniffer, which runs on every upload, needs none of them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.documents import ParsedBody


@dataclass(frozen=True)
class Format:
    extension: str  # the one a file of this content is saved and reported under
    label: str  # how messages and the README name it
    module: str  # ingest/formats/<module>.py holds its parse(raw) -> ParsedBody
    aliases: tuple[str, ...] = ()  # other extensions read as this format
    binary: bool = False  # told by content alone: a PDF called .txt is still read as PDF

    @property
    def extensions(self) -> tuple[str, ...]:
        return (self.extension, *self.aliases)

    def parse(self, raw: bytes) -> ParsedBody:
        parser = importlib.import_module(f"{__name__}.{self.module}")
        return parser.parse(raw)


FORMATS: tuple[Format, ...] = (
    Format(".md", "Markdown", "markdown", aliases=(".markdown",)),
    Format(".txt", "纯文本", "text"),
    Format(".html", "网页", "html", aliases=(".htm",)),
    Format(".docx", "Word", "docx", binary=True),
    Format(".pdf", "PDF", "pdf", binary=True),
    Format(".ofd", "OFD", "ofd", binary=True),
)

BY_EXTENSION: dict[str, Format] = {extension: fmt for fmt in FORMATS for extension in fmt.extensions}


def format_of(extension: str) -> Format | None:
    """The format read from files with this extension (any case), or None."""
    return BY_EXTENSION.get(extension.lower())
