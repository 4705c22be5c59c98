"""Targets and their statuses on the demo corpus, against a gold file written by reading it.

    python -m bench.targets [--json] [--data-dir DIR] [--corpus DIR] [--gold FILE] [--show]

bench/targets_gold.yaml lists every quantified target of six pilots' implementation
plans (indicator, value, unit, year, form) and its status judged by hand with the rule
of the README section 「目标与进度：判定规则」. The corpus is ingested into the data
folder (incrementally: a second run reuses it), and the targets TanLu extracts for
those pilots are matched to the gold ones: same pilot, year, value and unit (after a
safe conversion), and an indicator name that is the same, contains the other, or shares
at least half of its characters. Figures:

- target extraction precision (matched / extracted for the gold pilots) and recall
  (matched / gold);
- form accuracy over matched targets;
- status accuracy over matched gold targets with a status.

Targets (issue 11): ≥ 60 gold targets, status accuracy ≥ 0.95.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from index import IndexConfig, KnowledgeBase
from index.progress import TargetRecord
from index.target_links import name_similarity

GOLD_FILE = Path(__file__).with_name("targets_gold.yaml")
DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "corpus"
DEFAULT_DATA_DIR = Path("bench-output") / "targets-data"
MIN_NAME_MATCH = 0.5


@dataclass(frozen=True)
class GoldTarget:
    pilot_id: str
    indicator: str
    value: float
    unit: str
    year: int
    form: str
    status: str | None


def load_gold(path: Path = GOLD_FILE) -> list[GoldTarget]:
    gold = []
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
        for indicator, value, unit, year, form, status in entry["targets"]:
            gold.append(GoldTarget(entry["pilot"], indicator, float(value), str(unit), int(year), form, status))
    return gold


def matches(gold: GoldTarget, record: TargetRecord) -> bool:
    target = record.target
    return (
        record.pilot_id == gold.pilot_id
        and target.year == gold.year
        and abs(target.value - gold.value) < 1e-9
        and target.unit == gold.unit
        and name_similarity(gold.indicator, target.indicator) >= MIN_NAME_MATCH
    )


def evaluate(gold: list[GoldTarget], records: list[TargetRecord]) -> dict:
    pilots = {item.pilot_id for item in gold}
    extracted = [record for record in records if record.pilot_id in pilots]
    used: set[str] = set()
    pairs: list[tuple[GoldTarget, TargetRecord]] = []
    for item in gold:
        candidates = [r for r in extracted if r.target_id not in used and matches(item, r)]
        if candidates:
            best = max(candidates, key=lambda r: name_similarity(item.indicator, r.target.indicator))
            used.add(best.target_id)
            pairs.append((item, best))
    judged = [(item, record) for item, record in pairs if item.status]
    right = [(item, record) for item, record in judged if record.status == item.status]
    return {
        "gold_targets": len(gold),
        "gold_with_status": sum(1 for item in gold if item.status),
        "extracted": len(extracted),
        "matched": len(pairs),
        "precision": round(len(pairs) / len(extracted), 3) if extracted else 0.0,
        "recall": round(len(pairs) / len(gold), 3) if gold else 0.0,
        "form_accuracy": round(sum(1 for i, r in pairs if r.target.form == i.form) / len(pairs), 3) if pairs else 0.0,
        "status_accuracy": round(len(right) / len(judged), 3) if judged else 0.0,
        "status_judged": len(judged),
        "missed": [f"{i.pilot_id} {i.year} {i.indicator} {i.value:g}{i.unit}" for i in gold if i not in dict(pairs)],
        "spurious": [
            f"{r.pilot_id} {r.target.year} {r.target.indicator} {r.target.value:g}{r.target.unit}"
            for r in extracted
            if r.target_id not in used
        ],
        "wrong_status": [
            f"{i.pilot_id} {i.year} {i.indicator}: gold {i.status}, got {r.status}（{r.judgement.reason}）"
            for i, r in judged
            if r.status != i.status
        ],
        "wrong_form": [
            f"{i.pilot_id} {i.year} {i.indicator}: gold {i.form}, got {r.target.form}"
            for i, r in pairs
            if r.target.form != i.form
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--gold", type=Path, default=GOLD_FILE)
    parser.add_argument("--show", action="store_true", help="list misses, spurious targets and wrong statuses")
    args = parser.parse_args(argv)
    kb = KnowledgeBase(IndexConfig(data_dir=args.data_dir))
    try:
        report = kb.ingest([args.corpus])
        if report.errors:
            print(f"ingest errors: {report.errors}", file=sys.stderr)
        result = evaluate(load_gold(args.gold), kb.progress.targets)
        result["status_counts_all"] = kb.progress.status_counts()
        result["unread"] = [f"{doc_id}: {sentence}" for doc_id, sentence in kb.progress.unread]
    finally:
        kb.close()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(
        f"gold targets {result['gold_targets']} ({result['gold_with_status']} with a status); "
        f"extracted {result['extracted']}, matched {result['matched']}"
    )
    print(
        f"target precision {result['precision']:.3f}  recall {result['recall']:.3f}  "
        f"form accuracy {result['form_accuracy']:.3f}"
    )
    print(f"status accuracy {result['status_accuracy']:.3f} over {result['status_judged']} targets")
    print(f"all pilots: {result['status_counts_all']}")
    if args.show:
        for key in ("missed", "spurious", "wrong_form", "wrong_status", "unread"):
            for line in result[key]:
                print(f"{key}: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
