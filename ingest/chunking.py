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


def _section_sentences(section: Section, max_chars: int) -> list[str]:
    sentences: list[str] = []
    for block in section.blocks:
        for sentence in split_sentences(block):
            sentences.extend(split_long_sentence(sentence, max_chars))
    return sentences


def _overlap_tail(sentences: list[str], overlap: int) -> list[str]:
    tail: list[str] = []
    length = 0
    for sentence in reversed(sentences):
        if length + len(sentence) > overlap:
            break
        tail.insert(0, sentence)
        length += len(sentence)
    return tail


def _pack(sentences: list[str], options: ChunkingOptions) -> list[list[str]]:
    groups: list[list[str]] = []
    current: list[str] = []
    fresh = 0  # sentences in ``current`` not carried over from the previous chunk
    for sentence in sentences:
        length = sum(map(len, current))
        if fresh and length + len(sentence) > options.size:
            groups.append(current)
            current = _overlap_tail(current, options.overlap)
            if sum(map(len, current)) + len(sentence) > options.size:
                current = []
            fresh = 0
        current.append(sentence)
        fresh += 1
    if fresh:
        groups.append(current)
    # A short tail joins the previous chunk when the result stays reasonable.
    if len(groups) > 1:
        tail_new = groups[-1][len(_overlap_tail(groups[-2], options.overlap)):]
        if sum(map(len, tail_new)) < options.size // 4:
            merged = groups[-2] + tail_new
            if sum(map(len, merged)) <= options.size * 1.5:
                groups[-2:] = [merged]
    return groups


def chunk_sections(sections: list[Section], options: ChunkingOptions = ChunkingOptions()) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections:
        sentences = _section_sentences(section, options.size)
        for group in _pack(sentences, options):
            text = "".join(group).strip()
            if text:
                chunks.append(Chunk(section.heading_path, text))
    return chunks
