"""What a Chinese question asks for: a quantity, a time, a list, a method, a reason, a
person or organisation, a place, a definition, or something else.

Answer selection needs this because word overlap alone picks the sentence that repeats
the question; knowing that 「节约了多少标准煤」 wants a number with a unit, or that
「哪一年」 wants a year, lets it prefer the sentence that carries that kind of content.
The cue words live in ``data/question_cues.txt`` (the rules are explained there) so
that they can be extended without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

CUES_FILE = Path(__file__).with_name("data") / "question_cues.txt"


class QuestionKind(str, Enum):
    QUANTITY = "quantity"
    TIME = "time"
    REASON = "reason"
    PERSON = "person"  # a person or an organisation
    PLACE = "place"
    METHOD = "method"
    LIST = "list"
    DEFINITION = "definition"
    OTHER = "other"


# Kinds whose question words say only that some answer is wanted (「有哪些」「是什么」
# 「什么」); a topic noun such as 「做法」 or 「原因」 is more telling than they are.
GENERIC_KINDS = frozenset({QuestionKind.LIST, QuestionKind.DEFINITION, QuestionKind.OTHER})


@dataclass(frozen=True)
class Cue:
    text: str
    kind: QuestionKind
    rank: int  # line order in the cue file: lower decides first
    topic: bool  # a topic noun (「比例」), not a question word (「多少」)


@dataclass(frozen=True)
class CueTable:
    cues: tuple[Cue, ...]
    ignored: tuple[str, ...]


def parse_cues(text: str) -> CueTable:
    """Read the cue file format: ``kind: cue ~topic …`` lines, ``ignore:`` and ``#`` comments."""
    cues: list[Cue] = []
    ignored: list[str] = []
    for rank, line in enumerate(raw for raw in text.splitlines() if raw.strip() and not raw.lstrip().startswith("#")):
        name, _, words = line.partition(":")
        name = name.strip()
        if name == "ignore":
            ignored.extend(words.split())
            continue
        kind = QuestionKind(name)
        for word in words.split():
            topic = word.startswith("~")
            cues.append(Cue(word.lstrip("~"), kind, rank, topic))
    return CueTable(tuple(cues), tuple(sorted(ignored, key=len, reverse=True)))


@cache
def cue_table() -> CueTable:
    return parse_cues(CUES_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class CueSpan:
    start: int
    end: int
    cue: Cue


def cue_spans(question: str, table: CueTable | None = None) -> list[CueSpan]:
    """Cues present in the question, in question order; where two overlap only the longer
    one counts (「是什么时候」 holds 「什么时候」, not 「是什么」)."""
    table = table or cue_table()
    text = question
    for word in table.ignored:
        text = text.replace(word, "\u3000" * len(word))
    spans: list[CueSpan] = []
    for cue in table.cues:
        start = text.find(cue.text)
        while start >= 0:
            spans.append(CueSpan(start, start + len(cue.text), cue))
            start = text.find(cue.text, start + 1)
    taken: list[CueSpan] = []
    for span in sorted(spans, key=lambda span: (span.start - span.end, span.start, span.cue.rank)):
        if all(span.end <= other.start or span.start >= other.end for other in taken):
            taken.append(span)
    return sorted(taken, key=lambda span: span.start)


def matched_cues(question: str, table: CueTable | None = None) -> list[Cue]:
    return [span.cue for span in cue_spans(question, table)]


def classify(question: str, table: CueTable | None = None) -> QuestionKind:
    """The kind of answer the question wants (see data/question_cues.txt for the rules)."""
    found = matched_cues(question, table)
    specific = [cue for cue in found if not cue.topic and cue.kind not in GENERIC_KINDS]
    topics = [cue for cue in found if cue.topic]
    generic = [cue for cue in found if not cue.topic and cue.kind in GENERIC_KINDS]
    for group in (specific, topics, generic):
        if group:
            return min(group, key=lambda cue: cue.rank).kind
    return QuestionKind.OTHER
