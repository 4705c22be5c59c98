"""Which pilots a question is about, when it says so in words rather than filters.

「其他园区是怎么利用余热的？」 asks about parks; 「翠柳社区是怎么建超低能耗建筑的？」
about one community. Answers restrict to what the question names, unless the user's
filters already decide: the type cues are the ones similar-pilot profiles use
(data/pilot_type_cues.txt, two characters or more, so 「村集体」 does not make a question
about villages), and a pilot is named by its full name, by its name without the city
in front (「翠柳社区」), or by that name without its type ending (「翠柳」).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from index.similar_pilots import type_cues
from ingest.domain import REGIONS
from ingest.matching_form import fold

# Endings that say what kind of body a pilot is; the name before them identifies it.
_NAME_ENDINGS = re.compile(
    r"(?:煤化工产业园|新材料产业园|绿色算力产业园|产业园|工业园区|园区|有限公司|公司|实验学校|学校|医院|社区|村|区|县|市)$"
)
_PLACE_PREFIX = re.compile(r"^(?:宁夏|宁东|银川市?|石嘴山市?|吴忠市?|固原市?|中卫市?)")
MIN_ALIAS_CHARS = 2


@dataclass(frozen=True)
class Scope:
    pilot_type: str | None
    pilot_ids: tuple[str, ...]
    names: tuple[str, ...] = ()  # the words of the question that named them

    def without_names(self, question: str) -> str:
        """The question with the pilot names taken out: a filter covers them, and
        no answer sentence needs to repeat the pilot's name."""
        for name in sorted(self.names, key=len, reverse=True):
            question = question.replace(name, "，")
        return question


# 「跨企业统一供蒸汽」「园区之间」 speak of what joins several bodies, not of one kind of pilot.
_ACROSS = re.compile(r"跨(?:\w{0,2})?$")
_BETWEEN = re.compile(r"^(?:之?间|与\w{1,4}之?间)")


def named_pilot_type(question: str) -> str | None:
    """The one pilot type the question names, or None (none, or several)."""
    text = fold(question)
    named = set()
    for word, pilot_type in type_cues():
        if len(word) >= MIN_ALIAS_CHARS and word not in REGIONS and not word.endswith("基地") and _names(word, text):
            named.add(pilot_type)
            text = text.replace(word, "，")
    return named.pop() if len(named) == 1 else None


def _names(word: str, text: str) -> bool:
    """``word`` occurs in ``text`` once at least as the kind of body asked about."""
    for found in re.finditer(re.escape(word), text):
        if not _ACROSS.search(text[: found.start()]) and not _BETWEEN.match(text[found.end() :]):
            return True
    return False


def pilot_aliases(name: str) -> set[str]:
    aliases = {name}
    without_place = _PLACE_PREFIX.sub("", name)
    if len(without_place) >= MIN_ALIAS_CHARS:
        aliases.add(without_place)
    core = _NAME_ENDINGS.sub("", without_place)
    if len(core) >= MIN_ALIAS_CHARS:
        aliases.add(core)
    return aliases


def named_pilots(question: str, pilots: Iterable[dict]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Ids of the pilots whose name (or an alias of it) the question contains, and the
    longest alias of each found."""
    text = fold(question)
    ids: list[str] = []
    names: list[str] = []
    for pilot in pilots:
        found = [alias for alias in pilot_aliases(fold(pilot["pilot"])) if alias in text]
        if found:
            ids.append(pilot["pilot_id"])
            names.append(max(found, key=len))
    return tuple(ids), tuple(names)


def question_scope(question: str, pilots: Iterable[dict]) -> Scope:
    ids, names = named_pilots(question, pilots)
    return Scope(named_pilot_type(question), ids, names)
