"""Field of each practice: accuracy against the gold labels, before and after.

Why: the 汇编 groups practices by field. Before issue 12 a practice took its pilot's
first declared field (every practice of 塞北乳业 under 能源绿色低碳转型); now
index/practice_fields.py reads the practice's own words. This prints, on the gold list
bench/data/practice_fields_gold.yaml (labels written by reading each practice):

- supported: the field the practice is compiled under is one its text supports
  (the gold ``field`` or one of its ``also``);
- exact: it is the gold ``field``.

How to run (no index needed: documents are parsed and practices merged as ingest does)::

    python -m bench.practice_fields            # the demo corpus
    python -m bench.practice_fields --misses   # also list the practices it misfiles

A benchmark, not a test; tests/api/test_compile_render.py checks the compiled document
against the same gold list.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import yaml

from index.practice_fields import practice_field
from ingest.extracted import Practice
from ingest.loader import iter_files, parse_file
from ingest.practice_merge import merge_practices
from ingest.practices import extract_practices

ROOT = Path(__file__).resolve().parents[1]
GOLD_FILE = Path(__file__).with_name("data") / "practice_fields_gold.yaml"


def gold_labels(path: Path = GOLD_FILE) -> dict[tuple[str, str], tuple[str, ...]]:
    """(pilot_id, title) -> acceptable fields, the gold field first."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {(e["pilot_id"], e["title"]): (e["field"], *e.get("also", ())) for e in entries}


def corpus_practices(corpus: Path) -> list[Practice]:
    practices: list[Practice] = []
    for path in iter_files([corpus]):
        document, _ = parse_file(path)
        if document is not None:
            practices += extract_practices(document)
    return merge_practices(practices)


def pilot_field(practice: Practice) -> str:
    """The field before issue 12: the pilot's first declared field."""
    return practice.fields[0] if practice.fields else "其他"


def score(practices: list[Practice], assign: Callable[[Practice], str], gold) -> tuple[float, float, int, list]:
    found = [(p, gold[(p.pilot_id, p.title)]) for p in practices if (p.pilot_id, p.title) in gold]
    supported = sum(assign(p) in labels for p, labels in found)
    exact = sum(assign(p) == labels[0] for p, labels in found)
    misses = [(p, assign(p), labels) for p, labels in found if assign(p) not in labels]
    n = len(found)
    return supported / n, exact / n, n, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    gold = gold_labels()
    practices = corpus_practices(args.corpus)
    print(f"gold labels: {len(gold)}; practices in corpus: {len(practices)}")
    for name, assign in (("pilot's first field (before)", pilot_field), ("practice text (after)", practice_field)):
        supported, exact, n, misses = score(practices, assign, gold)
        print(f"{name:30s} matched {n:3d}  field-supported {supported:.3f}  exact {exact:.3f}")
        if args.misses and assign is practice_field:
            for practice, got, labels in misses:
                print(f"  miss: {practice.pilot_id} 「{practice.title}」 -> {got}; gold {'/'.join(labels)}")


if __name__ == "__main__":
    main()
