"""GET /search: hybrid retrieval with filters and highlighted matches."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from api import messages
from api.deps import KB, AppSettings, Filters
from api.errors import ApiError
from api.highlight import highlight, matched_terms
from api.schemas import SearchHit, SearchResponse
from index.config import SearchMode
from index.hybrid import ScoredChunk

router = APIRouter(tags=["检索"])


def inferred_fields(chunk_metadata: dict) -> list[str]:
    """Metadata fields inferred from the text; chunks store them comma-joined (Chroma
    holds no lists), and only chunks that have some carry the key."""
    return [item for item in str(chunk_metadata.get("inferred", "")).split(",") if item]


def to_hit(rank: int, query: str, hit: ScoredChunk) -> SearchHit:
    record = hit.record
    meta = dict(record.metadata)
    terms = matched_terms(query, record.text)
    meta["fields"] = [item for item in str(meta.get("fields", "")).split("、") if item]
    meta["inferred"] = inferred_fields(meta)
    return SearchHit(
        **{key: value for key, value in meta.items() if key in SearchHit.model_fields},
        rank=rank,
        chunk_id=record.chunk_id,
        score=round(hit.score, 4),
        bm25_score=None if hit.bm25_score is None else round(hit.bm25_score, 4),
        dense_score=None if hit.dense_score is None else round(hit.dense_score, 4),
        text=record.text,
        highlighted=highlight(record.text, terms),
        matched_terms=terms,
    )


@router.get(
    "/search",
    response_model=SearchResponse,
    responses={400: {"description": "查询为空"}, 422: {"description": "参数无效"}},
)
def search(
    kb: KB,
    settings: AppSettings,
    filters: Filters,
    q: Annotated[str, Query(description="检索问题或关键词", max_length=500)],
    top_k: Annotated[int | None, Query(ge=1, le=50, description="返回条数")] = None,
    mode: Annotated[SearchMode, Query(description="检索方式")] = "hybrid",
) -> SearchResponse:
    """混合检索（BM25 + 向量），过滤条件在融合前作用于两路检索。"""
    query = q.strip()
    if not query:
        raise ApiError(400, messages.EMPTY_QUERY, "q")
    started = time.perf_counter()
    hits = kb.search(query, filters, top_k or settings.default_top_k, mode)
    results = [to_hit(rank, query, hit) for rank, hit in enumerate(hits, start=1)]
    return SearchResponse(
        query=query,
        filters={key: value for key, value in asdict(filters).items() if value is not None},
        mode=mode,
        total=len(results),
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        results=results,
    )
