"""Everyday ways of asking for a measure, read as the measure the documents name.

「2026年上半年，两个社区的光伏各发了多少电？」 asks for 发电量; read word by word it
names only 光伏, and the table of figures picks the installed capacity. The phrases
and what they stand for are data (data/colloquial_measures.txt).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MEASURES_FILE = Path(__file__).with_name("data") / "colloquial_measures.txt"
ARROW = " => "


@cache
def colloquial_measures() -> tuple[tuple[re.Pattern[str], str], ...]:
    rules = []
    for line in MEASURES_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#") or ARROW not in line:
            continue
        pattern, _, meant = line.partition(ARROW)
        rules.append((re.compile(pattern.strip()), meant.strip()))
    return tuple(rules)


def read_measures(question: str) -> str:
    """The question with its everyday measure phrases replaced by the measure's name."""
    for pattern, meant in colloquial_measures():
        question = pattern.sub(meant, question)
    return question
