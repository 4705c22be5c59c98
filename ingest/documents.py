"""What ingest produces: parsed documents made of sections, and per-file reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.errors import DocumentError
from ingest.metadata import DocumentMeta

HEADING_SEPARATOR = " > "


def within_section(heading_path: str, section_path: str) -> bool:
    """Whether a chunk at ``heading_path`` lies in the section at ``section_path``
    (the section itself or one of its subsections); both joined with HEADING_SEPARATOR."""
    return heading_path == section_path or heading_path.startswith(section_path + HEADING_SEPARATOR)


@dataclass
class Section:
    """A run of text blocks under one heading path (outermost heading first).

    ``pages`` gives, for paged formats (PDF, OFD), the page each block starts on, so
    that a citation can say 第N页; it is empty where the format has no pages.
    """

    heading_path: tuple[str, ...]
    blocks: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)

    def page_of(self, block_index: int) -> int:
        """Page the block starts on, or 0 where unknown."""
        return self.pages[block_index] if block_index < len(self.pages) else 0

    @property
    def heading_text(self) -> str:
        return HEADING_SEPARATOR.join(self.heading_path)

    @property
    def text(self) -> str:
        return "\n".join(self.blocks)


class FormatError(DocumentError, ValueError):
    """A file cannot be read as the format it claims (corrupt, encrypted, scanned, not text).

    The message, in Chinese, says what is wrong and, where it helps, what to do about it.
    """


@dataclass
class ParsedBody:
    """What a format parser finds in a file, before metadata is settled.

    ``front_matter`` is the metadata the file declares itself (Markdown front matter),
    or None when the format has none; ``title`` is a title the file carries (a Word
    document's title, an HTML ``<title>``, a first heading), used when no metadata
    source names one.
    """

    sections: list[Section]
    front_matter: dict | None = None
    title: str = ""
    page_count: int = 0


@dataclass
class ParsedDocument:
    doc_id: str
    source: str
    meta: DocumentMeta
    sections: list[Section]
    content_hash: str

    @property
    def char_count(self) -> int:
        return sum(len(block) for section in self.sections for block in section.blocks)


@dataclass(frozen=True)
class FileReport:
    """The outcome of reading one file, shown to the user after an ingest.

    ``status`` is ``ok``, ``error`` (the file was refused; ``message`` says why and
    ``field_name`` names the offending field when there is one) or ``skipped``
    (not a document TanLu reads, e.g. an image).
    """

    path: str
    status: str
    message: str = ""
    doc_id: str = ""
    field_name: str = ""
    chunks: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"
