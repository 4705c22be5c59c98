"""Chinese official section numbering: 一、 （一） 1. （1）.

Government documents carry their structure in these prefixes even when no Markdown
heading marks it; this module recognises them at the start of a paragraph and splits
a numbered paragraph into its heading and its body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.sentences import safe_cut

_CN_DIGITS = "一二三四五六七八九十"

# Level 1..4, from the outermost. The lookahead after ``1.`` refuses decimals (3.5万千瓦).
_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^[{_CN_DIGITS}]{{1,3}}[、，]")),
    (2, re.compile(rf"^[（(][{_CN_DIGITS}]{{1,3}}[）)]")),
    (3, re.compile(r"^\d{1,2}(?:[.．](?!\d)|、)")),
    (4, re.compile(r"^[（(]\d{1,2}[）)]")),
)

# A heading is the numbered lead phrase; the body starts after its first stop.
_LEAD_END = re.compile(r"[。：:！？；]")
_CLAUSE_END = re.compile(r"[，,、]")
MAX_HEADING_CHARS = 40


@dataclass(frozen=True)
class NumberedHeading:
    level: int
    heading: str
    body: str


def numbering_level(text: str) -> int:
    """Level (1..4) of the official numbering that starts ``text``, or 0."""
    stripped = text.lstrip()
    for level, pattern in _PATTERNS:
        if pattern.match(stripped):
            return level
    return 0


def without_numbering(text: str) -> str:
    """``（一）节能诊断实现全覆盖。委托…`` without its ``（一）``; other text as it is."""
    stripped = text.strip()
    for _, pattern in _PATTERNS:
        match = pattern.match(stripped)
        if match:
            return stripped[match.end() :].strip()
    return stripped


def split_numbered(text: str) -> NumberedHeading | None:
    """Split a numbered paragraph into heading and body, or None if not numbered.

    ``（一）推进余热利用。园区建成…`` -> heading ``（一）推进余热利用``, body ``园区建成…``.
    A paragraph that is only a short numbered line is all heading. A long numbered
    sentence without a lead phrase keeps its whole text as body, with a heading cut
    from its first words so that the heading path stays readable.
    """
    stripped = text.strip()
    level = numbering_level(stripped)
    if not level:
        return None
    stop = _LEAD_END.search(stripped)
    if stop is None and len(stripped) <= MAX_HEADING_CHARS:
        return NumberedHeading(level, stripped, "")
    if stop is not None and stop.start() <= MAX_HEADING_CHARS:
        return NumberedHeading(level, stripped[: stop.start()], stripped[stop.end() :].strip())
    return NumberedHeading(level, _abridged(stripped), stripped)


def _abridged(text: str) -> str:
    """A readable heading for a long numbered sentence: up to its first comma, or its
    first words cut outside any number with its unit."""
    comma = _CLAUSE_END.search(text, 4)
    if comma is not None and comma.start() <= MAX_HEADING_CHARS:
        return text[: comma.start()] + "…"
    return text[: safe_cut(text, 24)] + "…"
