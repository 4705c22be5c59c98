"""GET /search: hybrid retrieval with filters and highlighted matches.

The route is ``async`` and hands the search to a worker thread itself: a plain ``def``
route also has FastAPI check the returned model on a worker thread, a second hop there
and back for every search (~0.2 ms of its ~7 ms beyond the query embedding).
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from api import messages
from api.deps import KB, AppSettings, Filters
from api.errors import ApiError
from api.highlight import QueryMarks
from api.presenters import to_hit
from api.schemas import CorrectionOut, SearchResponse
from index import KnowledgeBase, SearchFilters
from index.config import SearchMode

router = APIRouter(tags=["检索"])


@router.get(
    "/search",
    response_model=SearchResponse,
    responses={400: {"description": "查询为空"}, 422: {"description": "参数无效"}},
)
async def search(
    kb: KB,
    settings: AppSettings,
    filters: Filters,
    q: Annotated[str, Query(description="检索问题或关键词", max_length=500)],
    top_k: Annotated[int | None, Query(ge=1, le=50, description="返回条数")] = None,
    mode: Annotated[SearchMode, Query(description="检索方式")] = "hybrid",
    diverse: Annotated[
        bool, Query(description="兼顾多个试点：同一文档、同一试点的后续分块适当靠后（默认开启）")
    ] = True,
) -> SearchResponse:
    """混合检索（BM25 + 向量），过滤条件在融合前作用于两路检索；结果兼顾多个试点。"""
    query = q.strip()
    if not query:
        raise ApiError(400, messages.EMPTY_QUERY, "q")
    return await run_in_threadpool(_search, kb, filters, query, top_k or settings.default_top_k, mode, diverse)


def _search(
    kb: KnowledgeBase, filters: SearchFilters, query: str, top_k: int, mode: SearchMode, diverse: bool
) -> SearchResponse:
    started = time.perf_counter()
    read_as, corrections = kb.understand(query)
    hits = kb.search(query, filters, top_k, mode, diverse=diverse, read_as=read_as)
    marks = QueryMarks(read_as)
    results = [to_hit(rank, marks, hit) for rank, hit in enumerate(hits, start=1)]
    return SearchResponse(
        query=query,
        filters={key: value for key, value in asdict(filters).items() if value is not None},
        mode=mode,
        total=len(results),
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        results=results,
        corrections=[CorrectionOut(typed=c.typed, meant=c.meant) for c in corrections],
    )
