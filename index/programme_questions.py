"""Questions about what the programme's documents ask of the pilots.

「方案对园区试点有什么要求」 asks what the founding plan says of park pilots, not what a
park's own 实施方案 says; the words for it are in data/programme_cues.txt. Such a
question is searched within the programme's documents (the 政策文件 filter option) when
no filter narrows it already and it names no pilot.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ingest.indicators import data_sections

CUES_FILE = Path(__file__).with_name("data") / "programme_cues.txt"


@cache
def _cues() -> dict[str, tuple[str, ...]]:
    return {name: tuple(entries) for name, entries in data_sections(CUES_FILE).items()}


def asks_the_programme(question: str, pilot_names: list[str]) -> bool:
    """Whether the question asks what the programme's documents require or provide."""
    cues = _cues()
    if any(name and name in question for name in pilot_names):
        return False
    if any(cue in question for cue in cues["naming"]):
        return True
    return any(cue in question for cue in cues["documents"]) and any(cue in question for cue in cues["asking"])


def without_programme_words(question: str) -> str:
    """The question without the words that name the programme's plan (「按自治区方案，」):
    its documents are what the search is limited to, so no sentence need repeat them."""
    for cue in sorted(_cues()["naming"], key=len, reverse=True):
        question = question.replace(cue, "，")
    return question
