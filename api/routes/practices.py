"""GET /practices: the replicable-practice catalogue, filterable and searchable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import KB, Filters, Views
from api.presenters import practices_out
from api.schemas import PracticeOut

router = APIRouter(tags=["经验做法"])


@router.get("/practices", summary="经验做法", response_model=list[PracticeOut])
def list_practices(
    kb: KB,
    views: Views,
    filters: Filters,
    q: Annotated[str, Query(max_length=200, description="自由文本，如“余热利用”；为空时按试点排列")] = "",
    limit: Annotated[int, Query(ge=1, le=200, description="最多返回条数")] = 50,
) -> list[PracticeOut] | Response:
    """可复制、可推广的经验做法：按试点类型、领域、地区过滤，可按文本检索；每条附来源。"""
    query = q.strip()
    if query:
        return practices_out(kb, kb.practices(query, filters, limit), scored=True)
    return views.response(
        kb.practice_catalog(),
        ("practices", filters, limit),
        list[PracticeOut],
        lambda: practices_out(kb, kb.practices("", filters, limit), scored=False),
    )
