"""Answer quality on the questions officials and pilots ask, over the demo corpus.

    python -m bench.domain [--json] [--split dev|test|all] [--data-dir DIR] [--corpus DIR]
        [--questions FILE] [--show N]

The questions (bench/domain_questions.yaml) were written by reading the demo corpus:
answerable ones of four kinds (practice, fact, compare, status) with their gold
sections (pilot_id + document + a heading substring) and must-mention phrases, and
questions that must be refused (off-topic, and near-domain topics the corpus does not
cover, checked by grep). Each is asked through ``KnowledgeBase.answer``, with the
filters the asker would set. Figures:

- support: answered questions whose cited chunks include a gold section;
- pilot coverage: for questions with several gold pilots, the share of them the answer
  shows (a refusal shows none);
- mentions: the share of must-mention phrases the answer text contains;
- false refusals (answerable but refused) and false answers (must-refuse but answered);
- latency of ``KnowledgeBase.answer`` p50/p95 (in process, after a warm-up).

Targets (issue 10): support ≥ 0.90, pilot coverage ≥ 0.70, false refusals ≤ 5%,
false answers ≤ 5%, /ask p95 ≤ 300 ms. The split field lets calibration use ``dev``
and report ``test`` apart.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench.retrieval import percentile
from index import IndexConfig, KnowledgeBase, SearchFilters
from index.answer_model import Answer

QUESTIONS_FILE = Path(__file__).with_name("domain_questions.yaml")
ANSWERABLE = ("practice", "fact", "compare", "status")
REFUSE = ("off_topic", "near_domain")
DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "corpus"
DEFAULT_DATA_DIR = Path("bench-output") / "domain-data"


@dataclass(frozen=True)
class Gold:
    pilot_id: str
    doc: str
    heading: str

    def matches(self, doc_id: str, heading_path: str) -> bool:
        return doc_id == f"{self.pilot_id}/{self.doc}" and self.heading in heading_path


@dataclass
class DomainQuestion:
    id: str
    question: str
    kind: str
    split: str
    filters: dict = field(default_factory=dict)
    gold: list[Gold] = field(default_factory=list)
    must_mention: list[str] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return self.kind in ANSWERABLE

    @property
    def gold_pilots(self) -> set[str]:
        return {gold.pilot_id for gold in self.gold}


def load_questions(path: Path = QUESTIONS_FILE) -> list[DomainQuestion]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        DomainQuestion(
            id=entry["id"],
            question=entry["question"],
            kind=entry["kind"],
            split=entry.get("split", "dev"),
            filters=entry.get("filters") or {},
            gold=[Gold(**gold) for gold in entry.get("gold") or []],
            must_mention=list(entry.get("must_mention") or []),
        )
        for entry in entries
    ]


def answer_text(answer: Answer) -> str:
    """What the answer says: its sentences, a table's rows, and each target's status line
    (「…（2025年目标）：滞后。2025年全年288万立方米，…」, as the API and the page show it)."""
    parts = [f"{item.indicator}（{item.year}年目标）：{item.status}。{item.reason}。" for item in answer.targets]
    parts += [sentence.text for group in answer.groups.values() for sentence in group]
    if answer.table is not None:
        parts.extend(row.sentence for row in answer.table.rows)
    return "\n".join(parts)


def cited(answer: Answer) -> list[tuple[str, str, str]]:
    """(doc_id, heading_path, pilot_id) of every chunk the answer cites."""
    used = {n for group in answer.groups.values() for sentence in group for n in sentence.citations}
    if answer.table is not None:
        used |= {row.citation for row in answer.table.rows}
    return [(c.doc_id, c.heading_path, c.doc_id.split("/", 1)[0]) for c in answer.citations if c.n in used or not used]


@dataclass
class Outcome:
    question: DomainQuestion
    answer: Answer
    seconds: float

    @property
    def supported(self) -> bool:
        return any(gold.matches(doc, heading) for doc, heading, _ in cited(self.answer) for gold in self.question.gold)

    @property
    def pilots_shown(self) -> set[str]:
        return {pilot for _, _, pilot in cited(self.answer)} if self.answer.found else set()

    @property
    def mentioned(self) -> int:
        text = answer_text(self.answer)
        return sum(1 for phrase in self.question.must_mention if phrase in text)


def ask_all(kb: KnowledgeBase, questions: list[DomainQuestion]) -> list[Outcome]:
    outcomes = []
    for number, question in enumerate(questions, 1):
        filters = SearchFilters.parse(**{key: str(value) for key, value in question.filters.items()})
        started = time.perf_counter()
        result, _ = kb.answer(question.question, filters)
        outcomes.append(Outcome(question, result, time.perf_counter() - started))
        if sys.stderr.isatty():
            print(f"\r提问 {number}/{len(questions)}", end="", file=sys.stderr, flush=True)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    return outcomes


def _share(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def metrics(outcomes: list[Outcome]) -> dict:
    answerable = [o for o in outcomes if o.question.answerable]
    refuse = [o for o in outcomes if not o.question.answerable]
    answered = [o for o in answerable if o.answer.found]
    several = [o for o in answerable if len(o.question.gold_pilots) > 1]
    coverage = [len(o.pilots_shown & o.question.gold_pilots) / len(o.question.gold_pilots) for o in several]
    phrases = sum(len(o.question.must_mention) for o in answered)
    latencies = [o.seconds * 1000 for o in outcomes]
    return {
        "questions": len(outcomes),
        "answerable": len(answerable),
        "must_refuse": len(refuse),
        "support": _share(sum(o.supported for o in answered), len(answered)),
        "pilot_coverage": round(statistics.mean(coverage), 3) if coverage else None,
        "mentions": _share(sum(o.mentioned for o in answered), phrases),
        "false_refusals": _share(len(answerable) - len(answered), len(answerable)),
        "false_answers": _share(sum(o.answer.found for o in refuse), len(refuse)),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.5), 1) if latencies else None,
            "p95": round(percentile(latencies, 0.95), 1) if latencies else None,
        },
    }


def by_kind(outcomes: list[Outcome]) -> dict[str, dict]:
    kinds = sorted({o.question.kind for o in outcomes}, key=lambda k: (ANSWERABLE + REFUSE).index(k))
    return {kind: metrics([o for o in outcomes if o.question.kind == kind]) for kind in kinds}


def failures(outcomes: list[Outcome]) -> list[str]:
    lines = []
    for o in outcomes:
        q = o.question
        if q.answerable and not o.answer.found:
            problem = "拒答"
        elif not q.answerable and o.answer.found:
            problem = "误答"
        elif q.answerable and not o.supported:
            problem = "无金标出处"
        elif q.answerable and len(q.gold_pilots) > 1 and len(o.pilots_shown & q.gold_pilots) < len(q.gold_pilots) / 2:
            problem = f"试点覆盖 {len(o.pilots_shown & q.gold_pilots)}/{len(q.gold_pilots)}"
        else:
            continue
        shown = answer_text(o.answer).replace("\n", " ")[:160] if o.answer.found else o.answer.note[:160]
        lines.append(f"{q.id} [{q.kind}] {problem}: {q.question}\n      -> {shown}")
    return lines


def calibrate(kb: KnowledgeBase, questions: list[DomainQuestion]) -> list[str]:
    """Every path's evidence for every question, then the refusal bars that best separate
    answerable from must-refuse questions (balanced accuracy), as a table of lines."""
    from dataclasses import replace

    from index.answering import EvidenceThresholds
    from index.practice_answers import PracticeThresholds

    kb.answer_thresholds = EvidenceThresholds(
        unknown_share=2.0,
        fact_coverage=0.0,
        leeway_coverage=0.0,
        sentence_leeway=5.0,
        heaviest_credit=0.0,
        practice=PracticeThresholds(coverage=0.0),
        record_all=True,
    )
    outcomes = ask_all(kb, questions)
    rows = []
    for o in outcomes:
        e = o.answer.evidence
        rows.append(
            (
                o.question.answerable,
                o.answer.plan.value,
                e.get("unknown_share", 0.0),
                e.get("practice_coverage", -1.0),
                e.get("sentence_score", float("-inf")),
                e.get("fact_coverage", 0.0),
                e.get("heaviest_credit", 0.0),
            )
        )
    best = []
    for unknown in (0.3, 0.4, 0.5, 0.6, 2.0):
        for practice in (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8):
            for shift in (-3.0, -2.0, -1.0, 0.0, 1.0):
                for fact in (0.0, 0.3, 0.35, 0.4, 0.5):
                    answered = [
                        unk < unknown
                        and ((plan == "practice" and pc >= practice) or (ss >= shift and fc >= fact and hc > 0))
                        for _, plan, unk, pc, ss, fc, hc in rows
                    ]
                    good = [a for a, row in zip(answered, rows, strict=True) if row[0]]
                    bad = [a for a, row in zip(answered, rows, strict=True) if not row[0]]
                    false_refusals = 1 - sum(good) / max(1, len(good))
                    false_answers = sum(bad) / max(1, len(bad))
                    best.append(
                        (false_refusals + false_answers, false_refusals, false_answers, unknown, practice, shift, fact)
                    )
    best.sort()
    lines = ["错拒+错答  错拒率  错答率  unknown  practice  score_shift  fact"]
    lines += [f"{b[0]:.3f}  {b[1]:.3f}  {b[2]:.3f}  {b[3]}  {b[4]}  {b[5]}  {b[6]}" for b in best[:15]]
    for o, row in zip(outcomes, rows, strict=True):
        lines.append(
            f"{o.question.id} {'A' if row[0] else 'R'} {row[1]:8} unk={row[2]:.2f} pc={row[3]:.2f} "
            f"ss={row[4]:+.1f} fc={row[5]:.2f} hc={row[6]:.2f} {o.question.question}"
        )
    del replace
    return lines


def search_range(kb: KnowledgeBase, questions: list[DomainQuestion], top_k: int = 10) -> list[str]:
    """How well the first ``top_k`` search results show the range of pilots, for each
    diversity setting (index/diversity.py): gold pilots shown (questions with several),
    a gold section among the results, distinct pilots shown."""
    from index import diversity

    settings = [("不去重", None), *[(f"文档{d}/试点{p}", (d, p)) for d in (0.5, 0.7, 0.85) for p in (0.7, 0.85, 1.0)]]
    lines = [f"{'setting':16}{'gold pilots':>12}{'gold@10':>9}{'pilots':>8}"]
    answerable = [q for q in questions if q.answerable]
    pools = {}
    for q in answerable:
        filters = SearchFilters.parse(**{key: str(value) for key, value in q.filters.items()})
        pools[q.id] = kb.search(q.question, filters, top_k * diversity.POOL_FACTOR, diverse=False)
    for name, decays in settings:
        shown, golds, pilots = [], [], []
        for q in answerable:
            pool = pools[q.id]
            hits = (
                pool[:top_k]
                if decays is None
                else diversity.diversify(pool, top_k, document_decay=decays[0], pilot_decay=decays[1])
            )
            found = {str(h.record.metadata.get("pilot_id", "")) for h in hits}
            pilots.append(len(found))
            golds.append(
                any(g.matches(h.record.doc_id, h.record.metadata.get("heading_path", "")) for h in hits for g in q.gold)
            )
            if len(q.gold_pilots) > 1:
                shown.append(len(found & q.gold_pilots) / len(q.gold_pilots))
        lines.append(
            f"{name:16}{statistics.mean(shown):12.3f}{sum(golds) / len(golds):9.3f}{statistics.mean(pilots):8.2f}"
        )
    return lines


def unmatched_gold(kb: KnowledgeBase, questions: list[DomainQuestion]) -> list[str]:
    """Gold sections no stored chunk matches (a heading the chunker shortened to
    「1. 利用牛舍…」): such a gold entry can never support an answer."""
    headings: dict[str, set[str]] = {}
    for record in kb.chunks():
        headings.setdefault(record.doc_id, set()).add(record.metadata.get("heading_path", ""))
    return [
        f"金标出处在知识库中不存在：{q.id} {gold.pilot_id}/{gold.doc} 「{gold.heading}」"
        for q in questions
        for gold in q.gold
        if not any(gold.heading in heading for heading in headings.get(f"{gold.pilot_id}/{gold.doc}", ()))
    ]


def open_kb(corpus: Path, data_dir: Path) -> KnowledgeBase:
    kb = KnowledgeBase(IndexConfig(data_dir=data_dir))

    def progress(stage: str, done: int, total: int) -> None:
        print(f"{stage} {done}/{total or '?'}", file=sys.stderr, flush=True)

    kb.ingest([corpus], progress)
    return kb


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=QUESTIONS_FILE)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="kept between runs (ingest is incremental)"
    )
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--show", type=int, default=0, help="print up to N failures")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--calibrate", action="store_true", help="print the evidence table the refusal bars come from")
    parser.add_argument("--search", action="store_true", help="compare search diversity settings on the questions")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    questions = [q for q in load_questions(args.questions) if args.split in ("all", q.split)]
    kb = open_kb(args.corpus, args.data_dir)
    kb.answer("预热", None)  # builds the practice catalogue and term indexes once
    if args.calibrate:
        print("\n".join(calibrate(kb, questions)))
        return 0
    if args.search:
        print("\n".join(search_range(kb, questions)))
        return 0
    for line in unmatched_gold(kb, questions):
        print(line, file=sys.stderr)
    outcomes = ask_all(kb, questions)
    result = {"split": args.split, **metrics(outcomes), "by_kind": by_kind(outcomes)}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(
            f"{'':14}{'support':>9}{'coverage':>10}{'mentions':>10}{'false-ref':>10}{'false-ans':>10}{'p50':>8}{'p95':>8}"
        )
        for name, row in [("all", result), *result["by_kind"].items()]:
            cells = [
                row["support"],
                row["pilot_coverage"],
                row["mentions"],
                row["false_refusals"],
                row["false_answers"],
            ]
            shown = "".join(f"{'-' if v is None else f'{v:.3f}':>10}" for v in cells)
            print(f"{name:14}{shown}{row['latency_ms']['p50']:>8}{row['latency_ms']['p95']:>8}")
    for line in failures(outcomes)[: args.show]:
        print(line)
    kb.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
