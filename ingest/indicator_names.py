"""One name per indicator, from the maintained table data/indicator_names.txt.

Reports name one indicator several ways: a table row says 「绿氢产量」, the prose before
it 「生产绿氢1,650吨」; a pilot writes 「可再生能源制氢产能」 in one report and 「绿氢产能」
in the next. Two names make two series on the pilot page, each with half the points,
so every extracted name passes through here:

- ``[names]``: ``canonical = synonym | synonym``; the canonical name is a noun phrase
  (「绿氢产量」, not 「生产绿氢」). Whole names only: a synonym never rewrites part of a name.
  A synonym written ``pilot_id:synonym`` holds for that pilot's documents only.
- ``[dropped_starts]`` / ``[dropped_ends]``: words that say nothing of what is measured
  (「累计」: the period kind says it; 「（累计）」; 「保持」), removed from the edges.
- ``[distinct]``: ``name | name`` pairs a person has confirmed are different indicators
  though their names are close (二期/三期); `tanlu figures --check` no longer asks.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

NAMES_FILE = Path(__file__).with_name("data") / "indicator_names.txt"
MIN_NAME_CHARS = 2
# 「较2023年同期下降」 in a half-year report is 「较2023年下降」 of that half-year: the
# period kind says which span is compared.
_SAME_PERIOD_BASE = re.compile(r"较(20\d{2})年(?:同期|基准年)")


def _sections() -> dict[str, list[str]]:
    from ingest.indicators import data_sections  # one reader of the data files' format

    return data_sections(NAMES_FILE)


@cache
def _table() -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...], frozenset[frozenset[str]]]:
    sections = _sections()
    canonical: dict[str, str] = {}
    for line in sections.get("names", []):
        name, equals, synonyms = line.partition("=")
        if not equals or not name.strip():
            raise ValueError(f"{NAMES_FILE.name}: expected 'canonical = synonym | synonym': {line}")
        for synonym in synonyms.split("|"):
            if synonym.strip():
                canonical[synonym.strip()] = name.strip()
    starts = tuple(sorted(sections.get("dropped_starts", []), key=len, reverse=True))
    ends = tuple(sorted(sections.get("dropped_ends", []), key=len, reverse=True))
    distinct = frozenset(
        frozenset(part.strip() for part in line.split("|")) for line in sections.get("distinct", []) if "|" in line
    )
    return canonical, starts, ends, distinct


def canonical_name(name: str, pilot_id: str = "") -> str:
    """The table's name for ``name``: a synonym as written, else the name with its edges
    trimmed and then a synonym replaced. An entry ``pilot_id:synonym`` holds for that
    pilot only (「累计装机」 is rooftop PV in one park, all PV in a city)."""
    canonical, starts, ends, _ = _table()
    for written in (f"{pilot_id}:{name}", name):
        if written in canonical:
            return canonical[written]
    previous = None
    while previous != name:
        previous = name
        for start in starts:
            if name.startswith(start) and _kept(name[len(start) :]):
                name = name[len(start) :]
        for end in ends:
            if name.endswith(end) and _kept(name[: -len(end)]):
                name = name[: -len(end)]
        name = _SAME_PERIOD_BASE.sub(r"较\1年", name)
    return canonical.get(f"{pilot_id}:{name}") or canonical.get(name, name)


def _kept(rest: str) -> bool:
    """Trimming may not leave a verb alone (「累计投运」 -> 「投运」 says nothing)."""
    from ingest.indicators import acceptable_name

    return len(rest) >= MIN_NAME_CHARS + 1 and acceptable_name(rest)


def confirmed_distinct(first: str, second: str) -> bool:
    """True when the table says the two names are different indicators."""
    return frozenset((first, second)) in _table()[3]
