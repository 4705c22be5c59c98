"""Figure extraction against a hand-written gold file: precision, recall, period-kind
and period accuracy on the demo corpus.

Why: a figure an official quotes must have the right name, value, unit and the span of
time it covers; 36.2 filed as a half-year when it is 2024's full year is the error the
pilot pages showed. The gold (bench/figures_gold.tsv) was written by reading the
corpus: every key-indicator table row of every progress report (its 统计口径 cell says
the span), and, for the documents listed as ``# all:`` in the file, every figure of the
prose as well.

How to run (from the repo root, in the venv)::

    python -m bench.figures                  # the figures
    python -m bench.figures --misses         # and what was missed or extra, by document

Matching, per document: a gold figure is found by an extracted one with the same value
and unit (or the same value once both are normalised, 0.98亿千瓦时 = 9800万千瓦时) and a
name that is the gold name or contains it (「园区绿氢产量」 finds 「绿氢产量」; 「生产绿氢」
does not). Precision counts the extracted figures in scope (table rows of every gold
document, every figure of an ``all`` document) that match a gold figure; period-kind
and period accuracy are over the matched pairs. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ingest.extracted import Figure
from ingest.indicators import extract_figures, unit_rules
from ingest.loader import parse_file

ROOT = Path(__file__).resolve().parents[1]
GOLD = Path(__file__).with_name("figures_gold.tsv")
CORPUS = ROOT / "corpus"
TABLE_ROW_START = "指标："


@dataclass(frozen=True)
class Gold:
    doc_id: str
    name: str
    value: float
    unit: str
    kind: str
    period: str


def read_gold(path: Path) -> tuple[list[Gold], set[str]]:
    """Gold figures and the documents whose every figure is in the gold."""
    gold, whole = [], set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# all:"):
            whole.update(line.removeprefix("# all:").split())
            continue
        if not line.strip() or line.startswith("#"):
            continue
        doc_id, name, value, unit, kind, period = line.split("\t")[:6]
        gold.append(Gold(doc_id, name, float(value), unit, kind, period))
    return gold, whole


def _normalised(value: float, unit: str) -> tuple[float, str]:
    base, slash, per = unit.partition("/")
    rule = unit_rules().get(base)
    if rule is None or rule.factor is None:
        return value, unit
    return value * rule.factor, rule.normalized_unit + slash + per


def same_amount(gold: Gold, figure: Figure) -> bool:
    if figure.unit == gold.unit and math.isclose(figure.value, gold.value, rel_tol=1e-9):
        return True
    a, b = _normalised(gold.value, gold.unit), _normalised(figure.value, figure.unit)
    return a[1] == b[1] and math.isclose(a[0], b[0], rel_tol=1e-9)


def same_name(gold: str, extracted: str) -> bool:
    return gold == extracted or gold in extracted


def in_scope(doc_id: str, figure: Figure, whole: set[str]) -> bool:
    return doc_id in whole or figure.sentence.startswith(TABLE_ROW_START)


def extracted(doc_ids: set[str]) -> dict[str, list[Figure]]:
    found = {}
    for doc_id in sorted(doc_ids):
        path = CORPUS / f"{doc_id}.md"
        document, report = parse_file(path)
        if document is None:
            raise SystemExit(f"{path}: {report.message}")
        found[doc_id] = extract_figures(document)
    return found


def evaluate(gold: list[Gold], whole: set[str], figures: dict[str, list[Figure]], show: bool) -> dict[str, float]:
    by_doc: dict[str, list[Gold]] = defaultdict(list)
    for item in gold:
        by_doc[item.doc_id].append(item)
    matched = extra = missed = kinds = periods = 0
    for doc_id, items in sorted(by_doc.items()):
        candidates = [figure for figure in figures[doc_id] if in_scope(doc_id, figure, whole)]
        used: set[int] = set()
        for item in items:
            options = [
                index
                for index, figure in enumerate(candidates)
                if index not in used and same_amount(item, figure) and same_name(item.name, figure.name)
            ]
            if not options:
                missed += 1
                if show:
                    print(f"  漏 {doc_id}\t{item.name}\t{item.value:g}{item.unit}\t{item.kind}\t{item.period}")
                continue
            # The candidate agreeing on the span, if several state the same amount.
            best = max(options, key=lambda index: _agreement(item, candidates[index]))
            used.add(best)
            figure = candidates[best]
            matched += 1
            kinds += getattr(figure, "period_kind", "") == item.kind
            periods += figure.period == item.period
            if show and (getattr(figure, "period_kind", "") != item.kind or figure.period != item.period):
                print(
                    f"  时期 {doc_id}\t{item.name}\t{item.value:g}{item.unit}\t"
                    f"应为 {item.kind} {item.period}，抽取为 {getattr(figure, 'period_kind', '')} {figure.period}"
                )
        for index, figure in enumerate(candidates):
            if index not in used:
                extra += 1
                if show:
                    print(f"  多 {doc_id}\t{figure.name}\t{figure.value:g}{figure.unit}\t{figure.sentence[:40]}")
    return {
        "gold": len(gold),
        "extracted": matched + extra,
        "precision": matched / max(matched + extra, 1),
        "recall": matched / max(len(gold), 1),
        "kind_accuracy": kinds / max(matched, 1),
        "period_accuracy": periods / max(matched, 1),
    }


def _agreement(item: Gold, figure: Figure) -> tuple[bool, bool, bool]:
    return (getattr(figure, "period_kind", "") == item.kind, figure.period == item.period, figure.name == item.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--misses", action="store_true", help="list missed, extra and mis-dated figures")
    args = parser.parse_args()
    gold, whole = read_gold(args.gold)
    figures = extracted({item.doc_id for item in gold} | whole)
    scores = evaluate(gold, whole, figures, args.misses)
    print(
        f"gold figures {scores['gold']} (documents {len({item.doc_id for item in gold})}, of which read whole "
        f"{len(whole)}); extracted in scope {scores['extracted']}"
    )
    print(
        f"precision {scores['precision']:.3f}  recall {scores['recall']:.3f}  "
        f"period-kind accuracy {scores['kind_accuracy']:.3f}  period accuracy {scores['period_accuracy']:.3f}"
    )


if __name__ == "__main__":
    main()
