"""Replicable practices (经验做法) of a document, one per numbered subsection.

Practices live under headings named in data/practice_headings.txt: 主要做法 in
experience summaries and cases, 主要工作进展 in progress reports, 重点任务 and 重点工程 in
plans. Each subsection directly under such a heading (``（一）…`` or ``1. …``), with all
the subsections nested in it, is one practice: the heading gives its title, the text
its description, ingest/indicators.py its figures, the document its pilot and source.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from ingest.documents import HEADING_SEPARATOR, ParsedDocument, Section
from ingest.extracted import Practice, PracticeSource
from ingest.indicators import data_sections, extract_figures

HEADINGS_FILE = Path(__file__).with_name("data") / "practice_headings.txt"

_NUMBERING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}[、，]|[（(][一二三四五六七八九十]{1,3}[）)]|\d{1,2}(?:[.．](?!\d)|、)|[（(]\d{1,2}[）)])\s*"
)
_TRAILING = "。；;：:，,、…!！?？ \t"


@cache
def _headings() -> dict[str, tuple[str, ...]]:
    return {name: tuple(entries) for name, entries in data_sections(HEADINGS_FILE).items()}


def lesson_headings() -> tuple[str, ...]:
    """Headings under which a summary draws lessons (可推广经验 …), not practices."""
    return _headings()["fallback_headings"]


def strip_numbering(heading: str) -> str:
    """``（一）余热梯级利用。`` -> ``余热梯级利用``."""
    return _NUMBERING.sub("", heading, count=1).strip().rstrip(_TRAILING)


def _root_depth(heading_path: tuple[str, ...], names: tuple[str, ...]) -> int | None:
    """Index of the outermost heading that announces practices, or None."""
    for depth, heading in enumerate(heading_path):
        if strip_numbering(heading).endswith(names):
            return depth
    return None


def practice_groups(document: ParsedDocument) -> dict[tuple[str, ...], list[Section]]:
    """Heading path of each practice -> its sections (itself and those nested in it)."""
    for kind in ("practice_headings", "fallback_headings"):
        groups: dict[tuple[str, ...], list[Section]] = {}
        for section in document.sections:
            depth = _root_depth(section.heading_path, _headings()[kind])
            if depth is not None and len(section.heading_path) > depth + 1:
                groups.setdefault(section.heading_path[: depth + 2], []).append(section)
        if groups:
            return groups
    return {}


def practice_id(doc_id: str, heading_path: tuple[str, ...]) -> str:
    """Stable across runs and machines: the document and where the practice sits in it."""
    key = doc_id + "\n" + HEADING_SEPARATOR.join(heading_path)
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _description(heading: str, sections: list[Section]) -> str:
    """The practice text, without the numbered title that opens it (（一）标题。正文…)."""
    blocks = [block for section in sections for block in section.blocks]
    if blocks and blocks[0].startswith(heading):
        blocks[0] = blocks[0][len(heading) :].lstrip(_TRAILING)
    return "\n".join(block for block in blocks if block)


def extract_practices(document: ParsedDocument) -> list[Practice]:
    meta = document.meta
    practices = []
    for heading_path, sections in practice_groups(document).items():
        title = strip_numbering(heading_path[-1])
        description = _description(heading_path[-1], sections)
        if not title or not description:
            continue
        source = PracticeSource(
            doc_id=document.doc_id,
            title=meta.title,
            doc_type=meta.doc_type,
            period=meta.period,
            date=meta.date,
            heading_path=HEADING_SEPARATOR.join(heading_path),
        )
        practices.append(
            Practice(
                practice_id=practice_id(document.doc_id, heading_path),
                title=title,
                description=description,
                pilot=meta.pilot,
                pilot_id=meta.pilot_id,
                pilot_type=meta.pilot_type,
                region=meta.region,
                fields=list(meta.fields),
                figures=extract_figures(document, sections),
                sources=[source],
                demo=meta.demo,
            )
        )
    return practices
