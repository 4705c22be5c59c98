"""Extractive answer quality and latency on SQuAD-format data (e.g. CMRC 2018).

    python -m bench.answers --data ../shared/eval/cmrc2018/cmrc2018_trial.json [--json]
        [--limit N] [--data-dir DIR] [--top-k 5] [--calibrate]

Passages are ingested through the project's KnowledgeBase (as bench/retrieval.py does).
A returned sentence "hits" when it contains a gold answer text. Two settings:

- corpus: the question is searched over the whole corpus (``KnowledgeBase.search``,
  ``--top-k`` chunks) and the sentences are chosen from those chunks;
- gold: every chunk of the question's own passage, and nothing else, is the candidate
  pool (taken from the catalogue: a filtered search would drop chunks that share no
  token with the question);
- ask: the whole answering path users get (``KnowledgeBase.answer``: the question read
  in matching form, its plan, the evidence checks); hit@1 is the first sentence the
  answer shows (a practice's first method sentence, a table's first row), and a
  refusal counts as a miss.

For each it reports hit@1 and hit@3 of the selection (``extractive.rank`` + ``select``,
whatever the evidence threshold says), the same through ``extractive.answer`` (a refusal
counts as a miss, further sentences must reach the support score), the share answered,
and, for the corpus setting, the answer-selection latency per question (p50/p95, after
retrieval, which bench/retrieval.py measures).

The thin-evidence threshold is checked on questions that cannot be answered: the same
questions with their passage removed from the results ("absent") and asked of a random
other passage ("wrong"). ``--calibrate`` prints the table the threshold was chosen from.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.retrieval import percentile
from bench.squad import Question, load_squad
from index import IndexConfig, KnowledgeBase, ScoredChunk
from index.extractive import ScoringWeights, answer, rank, select
from index.question_kind import classify

SETTINGS = ("corpus", "gold")


def shown_sentences(result) -> list[str]:
    """The sentences an answer shows, in the order a reader meets them."""
    if result.table is not None:
        return [row.sentence for row in result.table.rows]
    if result.practices:
        return [sentence.text for practice in result.practices for sentence in practice.sentences()]
    return [sentence.text for group in result.groups.values() for sentence in group]


def evaluate_ask(kb: KnowledgeBase, questions: list[Question], top_k: int) -> dict[str, float]:
    counts = {"hit@1": 0, "hit@3": 0, "answered": 0}
    latencies = []
    for question in questions:
        started = time.perf_counter()
        result, _ = kb.answer(question.text, top_k=top_k)
        latencies.append((time.perf_counter() - started) * 1000)
        if not result.found:
            continue
        counts["answered"] += 1
        first, three = hits_at(shown_sentences(result), question)
        counts["hit@1"] += first
        counts["hit@3"] += three
    total = max(1, len(questions))
    return {
        **{key: round(value / total, 4) for key, value in counts.items()},
        "p50_ms": percentile(latencies, 0.5) if latencies else 0.0,
        "p95_ms": percentile(latencies, 0.95) if latencies else 0.0,
    }


def contains_answer(text: str, question: Question) -> bool:
    return any(gold in text for gold in question.answers)


def passage_hits(kb: KnowledgeBase) -> dict[str, list[ScoredChunk]]:
    """Every chunk of every document, as hits of equal score, by document id."""
    by_doc: dict[str, list[ScoredChunk]] = {}
    for record in sorted(kb.chunks(), key=lambda record: (record.doc_id, record.position)):
        by_doc.setdefault(record.doc_id, []).append(ScoredChunk(record, 1.0, None, None))
    return by_doc


def hits_at(texts: Sequence[str], question: Question) -> tuple[bool, bool]:
    return any(contains_answer(t, question) for t in texts[:1]), any(contains_answer(t, question) for t in texts[:3])


def evaluate(
    questions: list[Question], hits_for, weights: ScoringWeights, timed: bool = False
) -> tuple[dict[str, float], list[float]]:
    """hit@1/hit@3 of the selection and of the answer, share answered, best scores."""
    counts = {"hit@1": 0, "hit@3": 0, "answer_hit@1": 0, "answer_hit@3": 0, "answered": 0}
    latencies: list[float] = []
    best_scores: list[float] = []
    lengths: list[int] = []
    for question in questions:
        hits = hits_for(question)
        started = time.perf_counter()
        result = answer(question.text, hits, weights=weights)
        latencies.append((time.perf_counter() - started) * 1000)
        ranked = rank(question.text, hits, weights)
        chosen = [item.candidate.text for item, _ in select(ranked, 3)]
        best_scores.append(ranked[0].score if ranked else float("-inf"))
        lengths.extend(len(text) for text in chosen[:1])
        top1, top3 = hits_at(chosen, question)
        counts["hit@1"] += top1
        counts["hit@3"] += top3
        returned = [sentence.text for sentence in result.sentences()]
        top1, top3 = hits_at(returned, question)
        counts["answer_hit@1"] += top1
        counts["answer_hit@3"] += top3
        counts["answered"] += result.found
    n = len(questions) or 1
    metrics = {key: round(value / n, 4) for key, value in counts.items()}
    metrics["top1_chars_mean"] = round(statistics.mean(lengths), 1) if lengths else 0.0
    if timed and latencies:
        metrics["p50_ms"] = round(statistics.median(latencies), 2)
        metrics["p95_ms"] = round(percentile(latencies, 0.95), 2)
    return metrics, best_scores


def unanswerable(
    questions: list[Question], corpus_hits: dict[str, list[ScoredChunk]], passages: dict[str, list[ScoredChunk]]
) -> dict[str, list[tuple[Question, list[ScoredChunk]]]]:
    """Each question with its passage removed from the results, and with a wrong passage;
    pairs whose material happens to contain the answer anyway are left out."""
    rng = random.Random(7)
    doc_ids = sorted(passages)
    absent, wrong = [], []
    for question in questions:
        hits = [hit for hit in corpus_hits[question.text] if hit.record.doc_id != question.doc_id]
        if not any(contains_answer(hit.record.text, question) for hit in hits):
            absent.append((question, hits))
        other = passages[rng.choice([doc for doc in doc_ids if doc != question.doc_id])]
        if not any(contains_answer(hit.record.text, question) for hit in other):
            wrong.append((question, other))
    return {"absent": absent, "wrong": wrong}


def calibration_table(answerable: list[float], negatives: dict[str, list[float]]) -> list[dict[str, float]]:
    """Share of answerable questions kept and of unanswerable ones refused per threshold
    (rows with a balanced accuracy of 0.75 or more); ``ScoringWeights.threshold`` is the
    one with the best balanced accuracy on CMRC 2018 trial."""
    rows = []
    low = int(min(answerable)) if answerable else 0
    high = int(max(answerable)) + 1 if answerable else 1
    for step in range(low * 2, high * 2 + 1):
        threshold = step / 2
        row = {"threshold": threshold, "answered": sum(s >= threshold for s in answerable) / len(answerable)}
        for name, scores in negatives.items():
            row[f"refused_{name}"] = sum(s < threshold for s in scores) / max(1, len(scores))
        refused = statistics.mean(row[f"refused_{name}"] for name in negatives)
        row["balanced_accuracy"] = (row["answered"] + refused) / 2
        rows.append({key: round(value, 4) for key, value in row.items()})
    return [row for row in rows if row["balanced_accuracy"] >= 0.75]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="SQuAD-format JSON file")
    parser.add_argument("--json", action="store_true", help="print one machine-readable object")
    parser.add_argument("--limit", type=int, default=0, help="evaluate only the first N questions")
    parser.add_argument("--data-dir", type=Path, help="keep the index here (reuses its embedding cache)")
    parser.add_argument("--top-k", type=int, default=5, help="chunks retrieved per question (corpus setting)")
    parser.add_argument("--calibrate", action="store_true", help="print the threshold calibration table")
    args = parser.parse_args(argv)

    documents, questions = load_squad(args.data)
    if args.limit:
        questions = questions[: args.limit]
    kb = KnowledgeBase(IndexConfig(data_dir=args.data_dir or Path(tempfile.mkdtemp(prefix="tanlu-answers-"))))

    def progress(stage: str, done: int, total: int) -> None:
        if not args.json and total:
            print(f"\r{stage} {done}/{total}", end="", file=sys.stderr, flush=True)

    kb.ingest_documents(documents, progress)
    if not args.json:
        print(file=sys.stderr)
    weights = ScoringWeights()
    passages = passage_hits(kb)
    corpus_hits = {q.text: kb.search(q.text, top_k=args.top_k, diverse=False) for q in questions}
    for question in questions[:10]:  # warm-up: jieba's dictionary, the pattern files
        answer(question.text, corpus_hits[question.text], weights=weights)

    corpus, answerable_scores = evaluate(questions, lambda q: corpus_hits[q.text], weights, timed=True)
    gold, _ = evaluate(questions, lambda q: passages.get(q.doc_id, []), weights)
    asked = evaluate_ask(kb, questions, args.top_k)
    negative_scores: dict[str, list[float]] = {}
    refusals: dict[str, float] = {}
    medians: dict[str, float | None] = {}
    for name, pairs in unanswerable(questions, corpus_hits, passages).items():
        scores = [(rank(q.text, hits, weights) or [None])[0] for q, hits in pairs]
        negative_scores[name] = [item.score if item else float("-inf") for item in scores]
        limits = [weights.threshold_for(classify(q.text)) for q, _ in pairs]
        refused = sum(score < limit for score, limit in zip(negative_scores[name], limits, strict=True))
        refusals[name] = round(refused / max(1, len(pairs)), 4)
        medians[name] = round(statistics.median(negative_scores[name]), 2) if pairs else None
    kinds = Counter(classify(question.text).value for question in questions)
    result = {
        "data": str(args.data),
        "questions": len(questions),
        "top_k": args.top_k,
        "threshold": weights.threshold,
        "support": weights.support,
        "corpus": corpus,
        "gold": gold,
        "ask": asked,
        "refused_unanswerable": refusals,
        "unanswerable_best_score_median": medians,
        "question_kinds": dict(kinds),
    }
    if args.calibrate:
        finite = [s for s in answerable_scores if s != float("-inf")]
        result["calibration"] = calibration_table(
            finite, {name: [s for s in scores if s != float("-inf")] for name, scores in negative_scores.items()}
        )
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_table(result)
    return 0


def print_table(result: dict) -> None:
    print(
        f"{result['questions']} questions; corpus setting retrieves {result['top_k']} chunks; "
        f"threshold {result['threshold']}, support {result['support']}"
    )
    print(f"{'setting':8} {'hit@1':>6} {'hit@3':>6} {'answered':>9} {'ans@1':>6} {'ans@3':>6} {'top1 chars':>10}")
    for setting in SETTINGS:
        m = result[setting]
        print(
            f"{setting:8} {m['hit@1']:6.3f} {m['hit@3']:6.3f} {m['answered']:9.3f} {m['answer_hit@1']:6.3f} "
            f"{m['answer_hit@3']:6.3f} {m['top1_chars_mean']:10.1f}"
        )
    corpus = result["corpus"]
    print(f"answer selection latency (corpus): p50 {corpus['p50_ms']:.1f} ms, p95 {corpus['p95_ms']:.1f} ms")
    asked = result["ask"]
    print(
        f"whole answering path (KnowledgeBase.answer, refusal = miss): hit@1 {asked['hit@1']:.3f}, "
        f"hit@3 {asked['hit@3']:.3f}, answered {asked['answered']:.3f}; "
        f"p50 {asked['p50_ms']:.1f} ms, p95 {asked['p95_ms']:.1f} ms"
    )
    refused = ", ".join(f"{name} {share:.3f}" for name, share in result["refused_unanswerable"].items())
    print(f"unanswerable questions refused (found=False): {refused}")
    medians = ", ".join(f"{name} {value}" for name, value in result["unanswerable_best_score_median"].items())
    print(f"median best score of unanswerable questions (the support score is chosen from it): {medians}")
    print("question kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(result["question_kinds"].items())))
    if "calibration" in result:
        refused_names = [key for key in result["calibration"][0] if key.startswith("refused")]
        print(f"{'threshold':>9} {'answered':>9} " + " ".join(f"{key:>15}" for key in refused_names) + "  balanced")
        for row in result["calibration"]:
            refused_cols = " ".join(f"{v:15.3f}" for k, v in row.items() if k.startswith("refused"))
            print(f"{row['threshold']:9.1f} {row['answered']:9.3f} {refused_cols}  {row['balanced_accuracy']:.3f}")


if __name__ == "__main__":
    raise SystemExit(main())
