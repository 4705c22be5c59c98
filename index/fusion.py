"""Merging BM25 and dense rankings into one.

Weighted fusion min-max normalises each side over its candidates and adds them; on
Chinese data the dense side is weaker than BM25 and reciprocal-rank fusion, which gives
both an equal vote, measured worse (see bench/retrieval.py). RRF stays available.
"""

from __future__ import annotations

from collections.abc import Mapping


def min_max(scores: Mapping[str, float]) -> dict[str, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high - low < 1e-12:
        return {key: 1.0 for key in scores}
    return {key: (value - low) / (high - low) for key, value in scores.items()}


def weighted_fusion(bm25: Mapping[str, float], dense: Mapping[str, float], bm25_weight: float) -> dict[str, float]:
    """``w·norm(bm25) + (1-w)·norm(dense)``; a side that did not rank an id gives it 0."""
    bm25_norm, dense_norm = min_max(bm25), min_max(dense)
    return {
        key: bm25_weight * bm25_norm.get(key, 0.0) + (1.0 - bm25_weight) * dense_norm.get(key, 0.0)
        for key in set(bm25) | set(dense)
    }


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank + 1)
    return fused


def unit_score(score: float, method: str, rrf_k: int) -> float:
    """A hybrid score on 0–1 for clients that threshold it (Dify's score_threshold).

    Weighted fusion already is (1 = best on both sides among the candidates); an RRF
    score is divided by the best it can be, first place in both rankings: 2 / (k + 1).
    """
    unit = score if method == "weighted" else score * (rrf_k + 1) / 2
    return min(1.0, max(0.0, unit))
