"""The field of work of a practice, read from the practice's own words.

A pilot declares the fields it works in (front matter ``fields``), and every practice
extracted from its documents inherits all of them: 「电动重卡及换电站」 of an enterprise
whose fields are 能源 and 资源循环利用 would sit under 资源循环利用. The 汇编 groups by
what each practice does, so each practice is scored against a small vocabulary per field
(data/field_keywords.txt): a keyword found in the title weighs three times its weight,
found in the text once (each keyword counts once, so a long text does not win by
repetition). The field with the highest score is the practice's field; the fields
scoring at least half of it are the fields its text supports. The pilot's declared
fields only break ties, and stand in when no keyword is found at all.

Measured on a gold list of practice → field labels written by reading the practices
(bench/data/practice_fields_gold.yaml, ``python -m bench.practice_fields``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ingest.domain import FIELDS
from ingest.extracted import Practice
from ingest.indicators import data_sections

KEYWORDS_FILE = Path(__file__).with_name("data") / "field_keywords.txt"
TITLE_WEIGHT = 3.0
# A field is supported by the text when it scores at least this share of the best field.
SUPPORT_SHARE = 0.5
UNCLASSIFIED = "其他"


@dataclass(frozen=True)
class FieldScore:
    field: str
    score: float
    words: tuple[str, ...]  # the keywords found, title ones first


@cache
def field_keywords() -> dict[str, tuple[tuple[str, float], ...]]:
    """Field -> (keyword, weight) pairs; every section must name a known field."""
    table: dict[str, tuple[tuple[str, float], ...]] = {}
    for name, entries in data_sections(KEYWORDS_FILE).items():
        if name not in FIELDS:
            raise ValueError(f"{KEYWORDS_FILE.name}: 未知的领域 [{name}]")
        pairs = []
        for entry in entries:
            word, _, weight = entry.partition(" ")
            pairs.append((word, float(weight) if weight.strip() else 1.0))
        table[name] = tuple(pairs)
    return table


def field_scores(title: str, text: str) -> list[FieldScore]:
    """Every field with a keyword in the title or text, best first (FIELDS order on ties)."""
    scores = []
    for name, pairs in field_keywords().items():
        total = 0.0
        in_title: list[str] = []
        in_text: list[str] = []
        for word, weight in pairs:
            if word in title:
                total += weight * TITLE_WEIGHT
                in_title.append(word)
            elif word in text:
                total += weight
                in_text.append(word)
        if total:
            scores.append(FieldScore(name, total, tuple(in_title + in_text)))
    order = {name: index for index, name in enumerate(FIELDS)}
    return sorted(scores, key=lambda s: (-s.score, order[s.field]))


@dataclass(frozen=True)
class PracticeFields:
    field: str  # the field the practice is compiled under
    supported: tuple[str, ...]  # every field its text supports, best first
    scores: tuple[FieldScore, ...]


def classify_practice(practice: Practice) -> PracticeFields:
    scores = field_scores(practice.title, practice.description)
    if not scores:
        fallback = practice.fields[0] if practice.fields else UNCLASSIFIED
        return PracticeFields(fallback, (fallback,), ())
    best = scores[0].score
    supported = [s for s in scores if s.score >= best * SUPPORT_SHARE]
    top = [s for s in supported if s.score == best]
    declared = [s for s in top if s.field in practice.fields]
    chosen = (declared or top)[0].field
    ordered = [chosen] + [s.field for s in supported if s.field != chosen]
    return PracticeFields(chosen, tuple(ordered), tuple(scores))


def practice_field(practice: Practice) -> str:
    return classify_practice(practice).field
