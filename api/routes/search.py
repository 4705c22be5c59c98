"""GET /search: hybrid retrieval with filters and highlighted matches.

The route is ``async`` and hands the search to a worker thread itself: a plain ``def``
route also has FastAPI check the returned model on a worker thread, a second hop there
and back for every search (~0.2 ms of its ~7 ms beyond the query embedding). For the
same reason it reads the knowledge base and settings from the app's state, and its
parameters are one model it validates itself (api/query_model.py): FastAPI's solving
of the parameters and dependencies took 0.36 ms a search, then 0.25 with the model as
FastAPI's parameter model (timed in a server). The worker thread also writes the JSON:
given the model, FastAPI dumps it, validates the dump against the response model and
dumps it again on the event loop (93 µs for ten hits), where pydantic's ``dump_json`` writes
the same bytes in 22 µs. ``response_model`` still documents the response.
"""

from __future__ import annotations

import time
from dataclasses import asdict

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, TypeAdapter
from starlette.concurrency import run_in_threadpool

from api import messages
from api.deps import FilterParams
from api.errors import ApiError
from api.highlight import QueryMarks
from api.presenters import to_hit
from api.query_model import documented_query, read_query
from api.schemas import CorrectionOut, SearchResponse
from index import KnowledgeBase, SearchFilters
from index.answer_model import Correction
from index.config import SearchMode

router = APIRouter(tags=["检索"])
_RESPONSE_JSON = TypeAdapter(SearchResponse)


class _Query(BaseModel):
    q: str = Field(description="检索问题或关键词", max_length=500)
    top_k: int | None = Field(None, ge=1, le=50, description="返回条数")
    mode: SearchMode = Field("hybrid", description="检索方式")
    diverse: bool = Field(True, description="兼顾多个试点：同一文档、同一试点的后续分块适当靠后（默认开启）")


class SearchParams(FilterParams, _Query):
    """/search's query parameters as one model (FilterParams says why); the query's
    own come first in the docs, as pydantic lists the last base's fields first."""


@router.get(
    "/search",
    summary="混合检索",
    response_model=SearchResponse,
    responses={400: {"description": "查询为空"}, 422: {"description": "参数无效"}},
    openapi_extra=documented_query(SearchParams),
)
async def search(request: Request) -> Response:
    """混合检索（BM25 + 向量），过滤条件在融合前作用于两路检索；结果兼顾多个试点。"""
    params = read_query(request, SearchParams)
    query = params.q.strip()
    if not query:
        raise ApiError(400, messages.EMPTY_QUERY, "q")
    state = request.app.state
    top_k = params.top_k or state.settings.default_top_k
    filters = params.search_filters()
    found = await run_in_threadpool(_search, state.kb, filters, query, top_k, params.mode, params.diverse)
    return Response(found, media_type="application/json")


def _search(
    kb: KnowledgeBase, filters: SearchFilters, query: str, top_k: int, mode: SearchMode, diverse: bool
) -> bytes:
    """The search's response, as JSON."""
    started = time.perf_counter()
    reading: list[tuple[QueryMarks, list[Correction]]] = []

    def understood(read_as: str, corrections: list[Correction]) -> None:
        """Beside the query's forward pass: the highlight terms of the query as read."""
        marks = QueryMarks(read_as)
        marks.prepare()
        reading.append((marks, corrections))

    hits = kb.search(query, filters, top_k, mode, diverse=diverse, understood=understood)
    [(marks, corrections)] = reading
    results = [to_hit(rank, marks, hit) for rank, hit in enumerate(hits, start=1)]
    response = SearchResponse(
        query=query,
        filters={key: value for key, value in asdict(filters).items() if value is not None},
        mode=mode,
        total=len(results),
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        results=results,
        corrections=[CorrectionOut(typed=c.typed, meant=c.meant) for c in corrections],
    )
    return _RESPONSE_JSON.dump_json(response)
