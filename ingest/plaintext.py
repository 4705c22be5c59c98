"""Plain text -> sections: each line is a paragraph and the official numbering
(一、 （一） 1. （1）) at its start gives the heading path."""

from __future__ import annotations

from ingest.documents import Section
from ingest.markdown import SectionBuilder


def plain_text_sections(text: str) -> list[Section]:
    builder = SectionBuilder()
    for line in text.splitlines():
        builder.paragraph(line)
    return builder.result()
