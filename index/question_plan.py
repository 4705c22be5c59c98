"""Which answer plan suits a question (see ``Plan``).

「其他园区是怎么降低能耗的？」 wants practices of several parks, not the sentence that
repeats 能耗 most often; 「哪些试点光伏装机最多」 wants a table across pilots;
「清泉园区的绿电目标完成了吗」 wants the target against the latest report; 「ORC机组
装机多少」 wants the sentence with the figure. The cue words are data
(data/plan_cues.txt): compare, then status, then practice cues decide; without any,
the question's kind (index/question_kind.py) does — a method or list question is
answered with practices, every other kind with sentences.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from index.answer_model import Plan
from index.question_kind import QuestionKind, classify
from ingest.indicators import data_sections

CUES_FILE = Path(__file__).with_name("data") / "plan_cues.txt"
_ORDER = (Plan.COMPARE, Plan.STATUS, Plan.PRACTICE)
_PRACTICE_KINDS = frozenset({QuestionKind.METHOD, QuestionKind.LIST})


REGEX_PREFIX = "re:"
# The run of any characters a regex cue allows between its words (「能不能[^，。？?]{0,14}替代」):
# what stands there is the question's content (「用生物质炭」), not part of the cue.
_GAP = re.compile(r"\[\^[^\]]*\]\{\d*,\d+\}\??")


def _gap_named(pattern: str) -> str:
    return _GAP.sub(lambda gap: f"(?P<gap>{gap.group(0)})", pattern, count=1)


@cache
def plan_cues() -> tuple[dict[Plan, tuple[re.Pattern[str], ...]], tuple[str, ...]]:
    sections = data_sections(CUES_FILE)
    cues = {
        plan: tuple(
            re.compile(_gap_named(cue[len(REGEX_PREFIX) :]) if cue.startswith(REGEX_PREFIX) else re.escape(cue))
            for cue in sections.get(plan.value, ())
        )
        for plan in _ORDER
    }
    return cues, tuple(sorted(sections.get("ignore", ()), key=len, reverse=True))


def plan_cue_words(question: str) -> list[str]:
    """The plan cues present in the question, as written there (for removing them from
    its content); of a regex cue, its words without what stands between them."""
    cues, ignored = plan_cues()
    text = _masked(question, ignored)
    words = []
    for plan in _ORDER:
        for cue in cues[plan]:
            for match in cue.finditer(text):
                if "gap" in cue.groupindex:
                    words += [text[match.start() : match.start("gap")], text[match.end("gap") : match.end()]]
                else:
                    words.append(match.group(0))
    return [word for word in words if word]


def choose_plan(question: str, kind: QuestionKind | None = None) -> Plan:
    cues, ignored = plan_cues()
    text = _masked(question, ignored)
    for plan in _ORDER:
        if any(cue.search(text) for cue in cues[plan]):
            return plan
    kind = kind or classify(question)
    return Plan.PRACTICE if kind in _PRACTICE_KINDS else Plan.FACT


def _masked(question: str, ignored: tuple[str, ...]) -> str:
    for word in ignored:
        question = question.replace(word, "\u3000" * len(word))
    return question
