"""Retrieval quality and latency on SQuAD-format data, for BM25, dense and hybrid.

    python -m bench.retrieval --data ../shared/eval/cmrc2018/cmrc2018_trial.json [--json]

Passages are ingested as documents through TanLu's own ingest and index code; each
question's relevant document is its own passage. Documents are ranked by their best
chunk. Prints Recall@1/5/10, MRR@10, nDCG@10, p50/p95 latency (one query at a time,
after warm-up), build time and chunks/s, and one bare query embedding's latency.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import get_args

from bench.squad import Question, load_squad
from index import FusionOptions, IndexConfig, KnowledgeBase
from index.config import FusionMethod
from ingest.chunking import ChunkingOptions
from ingest.tokenizer import DEFAULT_SCHEME, SCHEMES

MODES = ("bm25", "dense", "hybrid")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ranked_documents(kb: KnowledgeBase, question: str, mode: str) -> list[str]:
    doc_ids: list[str] = []
    for hit in kb.search(question, top_k=40, mode=mode):
        if hit.record.doc_id not in doc_ids:
            doc_ids.append(hit.record.doc_id)
    return doc_ids[:10]


def evaluate(kb: KnowledgeBase, questions: list[Question], mode: str, warmup: int = 10) -> dict[str, float]:
    for question in questions[:warmup]:
        kb.search(question.text, top_k=40, mode=mode)
    ranks: list[int | None] = []
    latencies: list[float] = []
    for question in questions:
        started = time.perf_counter()
        docs = ranked_documents(kb, question.text, mode)
        latencies.append((time.perf_counter() - started) * 1000)
        ranks.append(docs.index(question.doc_id) + 1 if question.doc_id in docs else None)
    n = len(questions)
    return {
        "recall@1": sum(1 for r in ranks if r and r <= 1) / n,
        "recall@5": sum(1 for r in ranks if r and r <= 5) / n,
        "recall@10": sum(1 for r in ranks if r and r <= 10) / n,
        "mrr@10": sum(1 / r for r in ranks if r) / n,
        "ndcg@10": sum(1 / math.log2(r + 1) for r in ranks if r) / n,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95),
    }


def bare_embedding_latency(kb: KnowledgeBase, questions: list[Question]) -> dict[str, float]:
    for question in questions[:10]:
        kb.embedder.get_query_embedding(question.text)
    latencies = []
    for question in questions:
        started = time.perf_counter()
        kb.embedder.get_query_embedding(question.text)
        latencies.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": statistics.median(latencies), "p95_ms": percentile(latencies, 0.95)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="SQuAD-format JSON file")
    parser.add_argument("--json", action="store_true", help="print one machine-readable object")
    parser.add_argument("--scheme", default=DEFAULT_SCHEME, choices=SCHEMES, help="BM25 tokenizer scheme")
    parser.add_argument("--fusion", default=FusionOptions().method, choices=get_args(FusionMethod))
    parser.add_argument("--bm25-weight", type=float, default=FusionOptions().bm25_weight)
    parser.add_argument("--chunk-size", type=int, default=ChunkingOptions().size)
    parser.add_argument("--chunk-overlap", type=int, default=ChunkingOptions().overlap)
    parser.add_argument("--limit", type=int, default=0, help="evaluate only the first N questions")
    parser.add_argument("--data-dir", type=Path, help="keep the index here (reuses its embedding cache)")
    args = parser.parse_args(argv)

    documents, questions = load_squad(args.data)
    if args.limit:
        questions = questions[: args.limit]
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="tanlu-bench-"))
    config = IndexConfig(
        data_dir=data_dir,
        chunking=ChunkingOptions(size=args.chunk_size, overlap=args.chunk_overlap),
        tokenizer_scheme=args.scheme,
        fusion=FusionOptions(method=args.fusion, bm25_weight=args.bm25_weight),
    )
    kb = KnowledgeBase(config)

    def progress(stage: str, done: int, total: int) -> None:
        if not args.json and total:
            print(f"\r{stage} {done}/{total}", end="", file=sys.stderr, flush=True)

    started = time.perf_counter()
    report = kb.ingest_documents(documents, progress)
    build_seconds = time.perf_counter() - started
    if not args.json:
        print(file=sys.stderr)
    result = {
        "data": str(args.data),
        "passages": len(documents),
        "questions": len(questions),
        "chunks": report.chunks_total,
        "build_seconds": round(build_seconds, 2),
        "chunks_embedded": report.chunks_embedded,
        "chunks_per_second": round(report.chunks_embedded / build_seconds, 2) if report.chunks_embedded else None,
        "config": {
            "scheme": args.scheme,
            "fusion": args.fusion,
            "bm25_weight": args.bm25_weight,
            "chunk_size": args.chunk_size,
            "chunk_overlap": args.chunk_overlap,
        },
        "query_embedding": bare_embedding_latency(kb, questions),
        "modes": {mode: evaluate(kb, questions, mode) for mode in MODES},
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_table(result)
    return 0


def print_table(result: dict) -> None:
    print(
        f"{result['passages']} passages, {result['questions']} questions, {result['chunks']} chunks; "
        f"build {result['build_seconds']} s ({result['chunks_per_second']} chunks/s embedded); "
        f"config {result['config']}"
    )
    embed = result["query_embedding"]
    print(f"bare query embedding: p50 {embed['p50_ms']:.1f} ms, p95 {embed['p95_ms']:.1f} ms")
    print(f"{'mode':8} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR@10':>7} {'nDCG@10':>8} {'p50 ms':>7} {'p95 ms':>7}")
    for mode, m in result["modes"].items():
        print(
            f"{mode:8} {m['recall@1']:6.3f} {m['recall@5']:6.3f} {m['recall@10']:6.3f} {m['mrr@10']:7.3f} "
            f"{m['ndcg@10']:8.3f} {m['p50_ms']:7.1f} {m['p95_ms']:7.1f}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
