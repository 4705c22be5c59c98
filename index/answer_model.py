"""What an answer is, whichever plan made it: cited sentences grouped by pilot, the
practices they belong to (做法 and 成效 apart), a table of figures across pilots, or an
honest "not found" with the closest material.

Every sentence is copied from a chunk and cites it by number; each citation resolves
to its pilot, document and section, because an official cannot forward an uncited
claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from index.catalog import ChunkRecord


class Plan(str, Enum):
    """How a question is answered (index/question_plan.py decides)."""

    PRACTICE = "practice"  # how / which practices / experience / effects -> practices per pilot
    FACT = "fact"  # a figure, date, place, person -> the sentences that state it
    COMPARE = "compare"  # rank or compare pilots -> a table of their figures
    STATUS = "status"  # met / on track / lagging -> targets against reported figures


@dataclass(frozen=True)
class Citation:
    n: int
    chunk_id: str
    doc_id: str
    title: str
    pilot: str
    pilot_type: str
    heading_path: str
    chunk_text: str


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    citations: tuple[int, ...]
    score: float


@dataclass(frozen=True)
class PracticeAnswer:
    """One practice of one pilot as an answer shows it: what was done, what it achieved."""

    practice_id: str
    title: str
    pilot: str
    pilot_id: str
    pilot_type: str
    method: tuple[AnswerSentence, ...]
    effect: tuple[AnswerSentence, ...]
    score: float

    def sentences(self) -> tuple[AnswerSentence, ...]:
        return self.method + self.effect


@dataclass(frozen=True)
class FigureRow:
    pilot: str
    pilot_id: str
    pilot_type: str
    name: str  # the indicator as the source names it
    value: float
    unit: str
    period: str
    period_kind: str
    sentence: str
    citation: int


@dataclass(frozen=True)
class FigureTable:
    """One indicator across pilots, ranked; ``comparable`` is False when the rows differ
    in unit or in period kind, and ``caveat`` then says how."""

    indicator: str
    rows: tuple[FigureRow, ...]
    descending: bool
    comparable: bool
    caveat: str = ""


@dataclass(frozen=True)
class TargetAnswer:
    """One target as a status answer shows it: its status and reason, the plan's sentence
    and the latest reported sentence (cited), and the practices the pilot credits."""

    pilot: str
    pilot_id: str
    pilot_type: str
    target_id: str
    indicator: str
    year: int
    status: str
    reason: str
    target: AnswerSentence
    latest: AnswerSentence | None
    practices: tuple[tuple[str, AnswerSentence], ...] = ()  # (practice title, its cited sentence)


@dataclass(frozen=True)
class TargetTally:
    """One pilot's targets of one year at a glance, for 「五家企业2025年目标完成得怎么样」:
    how many the rule judges met (index/target_status.py), the ones it does not, and the
    pilot's own count from its year-end report (cited), which a DRC reader checks it by."""

    pilot: str
    pilot_id: str
    pilot_type: str
    year: int
    met: int
    total: int
    unmet: tuple[str, ...]  # indicators not met, in the plan's order
    statement: AnswerSentence | None  # 「…11项量化目标中，7项已完成；…4项未完成。」
    unmet_ids: tuple[str, ...] = ()  # their target ids


@dataclass(frozen=True)
class Correction:
    typed: str
    meant: str


@dataclass
class Answer:
    question: str
    kind: str  # what the question asks for (index/question_kind.py)
    found: bool
    plan: Plan = Plan.FACT
    groups: dict[str, list[AnswerSentence]] = field(default_factory=dict)
    practices: list[PracticeAnswer] = field(default_factory=list)
    table: FigureTable | None = None
    targets: list[TargetAnswer] = field(default_factory=list)
    tallies: list[TargetTally] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    related: list[Citation] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # question words no evidence mentions
    # How strong the evidence was (coverage of the topic, the best sentence's score …),
    # for calibrating the refusal bars (bench/domain.py --calibrate); not shown to users.
    evidence: dict[str, float] = field(default_factory=dict)
    note: str = ""

    def sentences(self) -> list[AnswerSentence]:
        """All answer sentences, best first, across pilot groups."""
        return sorted((s for group in self.groups.values() for s in group), key=lambda s: s.score, reverse=True)

    def citation(self, n: int) -> Citation:
        return self.citations[n - 1]


class CitationNumbers:
    """Numbers chunks [1], [2], … in the order an answer first cites them."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.citations: list[Citation] = []

    def number(self, record: ChunkRecord) -> int:
        if record.chunk_id not in self.numbers:
            meta = record.metadata
            n = len(self.citations) + 1
            self.citations.append(
                Citation(
                    n=n,
                    chunk_id=record.chunk_id,
                    doc_id=record.doc_id,
                    title=str(meta.get("title", "")),
                    pilot=str(meta.get("pilot", "")),
                    pilot_type=str(meta.get("pilot_type", "")),
                    heading_path=str(meta.get("heading_path", "")),
                    chunk_text=record.text,
                )
            )
            self.numbers[record.chunk_id] = n
        return self.numbers[record.chunk_id]
