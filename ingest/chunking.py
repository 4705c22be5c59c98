"""Sections -> chunks of whole sentences, near a target size, with overlap.

Chunks never cross a section boundary, so every chunk has one heading path and an edit
in one section changes only that section's chunks. Sentences are packed greedily up to
the target size; the next chunk repeats the last sentences of the previous one up to
the overlap. A sentence longer than the target is cut at commas, never inside a number
with its unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.documents import Section
from ingest.sentences import split_long_sentence, split_sentences


@dataclass(frozen=True, kw_only=True)
class ChunkingOptions:
    size: int = 250
    overlap: int = 50

    def __post_init__(self) -> None:
        if self.size < 50:
            raise ValueError("chunk size must be at least 50 characters")
        if not 0 <= self.overlap < self.size:
            raise ValueError("chunk overlap must be between 0 and the chunk size")


@dataclass(frozen=True)
class Chunk:
    heading_path: tuple[str, ...]
    text: str
    page: int = 0  # page the chunk starts on (paged formats), 0 where unknown
    page_end: int = 0  # page it ends on


def _section_sentences(section: Section, max_chars: int) -> tuple[list[str], list[int]]:
    """The section's sentences and, in step, the page each one is on (0: unknown)."""
    sentences: list[str] = []
    pages: list[int] = []
    for index, block in enumerate(section.blocks):
        for sentence in split_sentences(block):
            pieces = split_long_sentence(sentence, max_chars)
            sentences.extend(pieces)
            pages.extend([section.page_of(index)] * len(pieces))
    return sentences, pages


def _overlap_tail(sentences: list[str], overlap: int) -> list[str]:
    tail: list[str] = []
    length = 0
    for sentence in reversed(sentences):
        if length + len(sentence) > overlap:
            break
        tail.insert(0, sentence)
        length += len(sentence)
    return tail


def _pack(sentences: list[str], options: ChunkingOptions) -> list[list[int]]:
    """Groups of sentence indexes, one group per chunk."""
    groups: list[list[int]] = []
    current: list[int] = []
    fresh = 0  # sentences in ``current`` not carried over from the previous chunk

    def length(indexes: list[int]) -> int:
        return sum(len(sentences[i]) for i in indexes)

    def tail(indexes: list[int]) -> list[int]:
        return indexes[len(indexes) - len(_overlap_tail([sentences[i] for i in indexes], options.overlap)) :]

    for index, sentence in enumerate(sentences):
        if fresh and length(current) + len(sentence) > options.size:
            groups.append(current)
            current = tail(current)
            if length(current) + len(sentence) > options.size:
                current = []
            fresh = 0
        current.append(index)
        fresh += 1
    if fresh:
        groups.append(current)
    # A short tail joins the previous chunk when the result stays reasonable.
    if len(groups) > 1:
        tail_new = groups[-1][len(tail(groups[-2])) :]
        if length(tail_new) < options.size // 4:
            merged = groups[-2] + tail_new
            if length(merged) <= options.size * 1.5:
                groups[-2:] = [merged]
    return groups


def chunk_sections(sections: list[Section], options: ChunkingOptions = ChunkingOptions()) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections:
        sentences, pages = _section_sentences(section, options.size)
        for group in _pack(sentences, options):
            text = "".join(sentences[i] for i in group).strip()
            if text:
                known = [pages[i] for i in group if pages[i]]
                chunks.append(Chunk(section.heading_path, text, min(known, default=0), max(known, default=0)))
    return chunks
