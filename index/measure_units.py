"""Units that state a measure (data/measure_units.txt).

A quantity question names its measure (「容积」「多长时间」); the answer sentence often
states it only through a number and its unit (「4000立方米发酵罐」「单次换电约5分钟」).
Reading the unit as the measure keeps such answers instead of refusing them for not
repeating the question's word.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

UNITS_FILE = Path(__file__).with_name("data") / "measure_units.txt"
PATTERN_PREFIX = "re:"


@cache
def measure_units() -> dict[str, re.Pattern[str]]:
    """Each measure name -> a pattern for a number followed by one of its units."""
    table: dict[str, re.Pattern[str]] = {}
    for line in UNITS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or ":" not in line:
            continue
        names, units = (part.split() for part in line.split(":", 1))
        patterns = [unit[len(PATTERN_PREFIX) :] for unit in units if unit.startswith(PATTERN_PREFIX)]
        plain = sorted((unit for unit in units if not unit.startswith(PATTERN_PREFIX)), key=len, reverse=True)
        alternatives = "|".join(map(re.escape, plain))
        pattern = re.compile("|".join([rf"\d(?:[\d,.]*)\s*(?:{alternatives})", *patterns]))
        for name in names:
            table[name] = pattern
    return table


def states_measure(measure: str, text: str) -> bool:
    """``text`` gives a number in a unit of ``measure`` (a measure the table names)."""
    pattern = measure_units().get(measure)
    return bool(pattern and pattern.search(text))
