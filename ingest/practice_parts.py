"""What each sentence of a practice says: what was done (做法), what it achieved
(成效), or only framing (a table line, a preamble, a heading).

An answer to 「其他园区是怎么降低能耗的？」 shows a practice as its method and its
result, apart, and never answers with 「指标：…；单位：%；」 or 「现将…报告如下」. The
汇编 lays practices out the same way. The rule is small on purpose: a sentence is
framing when it matches a [frame] pattern of data/practice_roles.txt or is a bare
numbered heading; it is an effect when one of its figures (a number with its unit) is
a result — an [effect] pattern (达到、由…提高到、节约、累计 …) stands in the figure's
clause just before it; every other sentence is method.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

from ingest.indicators import data_sections
from ingest.numbering import numbering_level
from ingest.sentences import NUMBER_WITH_UNIT, split_sentences

ROLES_FILE = Path(__file__).with_name("data") / "practice_roles.txt"

# A numbered line this short, with no clause inside, is a heading: 「（二）水资源循环利用稳步推进。」
MAX_HEADING_CHARS = 30
# How far before a figure its result word may stand, within the figure's clause.
RESULT_WINDOW_CHARS = 16
_CLAUSE_BREAK = re.compile(r"[，,；;：:。！？!?]")
_DATE_UNITS = ("年", "月", "日")


class Role(str, Enum):
    METHOD = "做法"
    EFFECT = "成效"
    FRAME = "框架"


@dataclass(frozen=True)
class RolePatterns:
    effect: tuple[re.Pattern[str], ...]
    frame: tuple[re.Pattern[str], ...]


@cache
def role_patterns() -> RolePatterns:
    sections = data_sections(ROLES_FILE)
    return RolePatterns(
        effect=tuple(re.compile(entry) for entry in sections["effect"]),
        frame=tuple(re.compile(entry) for entry in sections["frame"]),
    )


def is_heading_line(sentence: str) -> bool:
    text = sentence.strip()
    return bool(numbering_level(text)) and len(text) <= MAX_HEADING_CHARS and "，" not in text


def _figures(sentence: str) -> list[re.Match[str]]:
    """Numbers with a unit, dates (2024年, 6月) excluded."""
    return [
        match
        for match in NUMBER_WITH_UNIT.finditer(sentence)
        if match.group(0)[-1] not in "0123456789" and not match.group(0).endswith(_DATE_UNITS)
    ]


def has_figure(sentence: str) -> bool:
    return bool(_figures(sentence))


def result_figures(sentence: str, patterns: RolePatterns | None = None) -> list[str]:
    """The figures of the sentence that state a result (see the module docstring)."""
    patterns = patterns or role_patterns()
    found = []
    for match in _figures(sentence):
        clause = _CLAUSE_BREAK.split(sentence[: match.start()])[-1][-RESULT_WINDOW_CHARS:]
        if any(pattern.search(clause) for pattern in patterns.effect):
            found.append(match.group(0).strip())
    return found


def sentence_role(sentence: str, patterns: RolePatterns | None = None) -> Role:
    patterns = patterns or role_patterns()
    text = sentence.strip()
    if not text or is_heading_line(text) or any(p.search(text) for p in patterns.frame):
        return Role.FRAME
    if result_figures(text, patterns):
        return Role.EFFECT
    return Role.METHOD


@dataclass(frozen=True)
class PracticeParts:
    method: tuple[str, ...]
    effect: tuple[str, ...]


def split_practice(text: str) -> PracticeParts:
    """The method and effect sentences of a practice's text, in text order."""
    method: list[str] = []
    effect: list[str] = []
    for sentence in split_sentences(text):
        role = sentence_role(sentence)
        if role is Role.METHOD:
            method.append(sentence.strip())
        elif role is Role.EFFECT:
            effect.append(sentence.strip())
    return PracticeParts(tuple(method), tuple(effect))
