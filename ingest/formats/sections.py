"""The heading stack every format feeds: headings and paragraphs in, sections with heading paths out.

Markdown headings and the official numbering at the start of a paragraph (一、 （一） 1.
（1）) both open sections, so a Word file with no heading styles, a PDF or plain text get
the same structure as Markdown: ``## 二、主要做法`` followed by a plain ``（一）余热利用。…``
paragraph yields ``二、主要做法 > （一）余热利用``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.documents import Section
from ingest.numbering import numbering_level, split_numbered

# A numbered line ending like a sentence is content as well as a heading.
_SENTENCE_END = "。！？；…!?;"


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
        while self._stack and self._stack[-1].style > 0 and self._stack[-1].style >= numbered.level:
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


def plain_text_sections(text: str) -> list[Section]:
    """Plain text -> sections: each line is a paragraph and its numbering gives the structure."""
    builder = SectionBuilder()
    for line in text.splitlines():
        builder.paragraph(line)
    return builder.result()
