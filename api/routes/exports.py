"""GET /export/*.xlsx: practices, search results and reported figures as Excel workbooks."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api import messages
from api.deps import KB, AppSettings, Filters
from api.errors import ApiError
from api.exports import (
    XLSX_TYPE,
    LinkOf,
    figure_rows,
    figures_workbook,
    practices_workbook,
    search_workbook,
)
from api.presenters import section_link
from api.settings import Settings

router = APIRouter(tags=["导出"])
# A search export holds at most this many results (the page shows ten at a time).
MAX_SEARCH_EXPORT = 200
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX_TYPE: {}}, "description": "Excel 工作簿"},
    422: {"description": "参数无效"},
}


def _links(settings: Settings, request: Request) -> LinkOf:
    base = settings.public_url or str(request.base_url)
    return lambda doc_id, heading_path: section_link(base, doc_id, heading_path)


def _xlsx(content: bytes, name: str) -> Response:
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    return Response(content, media_type=XLSX_TYPE, headers=headers)


@router.get("/export/practices.xlsx", summary="导出经验做法（Excel）", responses=RESPONSES, response_class=Response)
def export_practices(
    kb: KB,
    settings: AppSettings,
    request: Request,
    filters: Filters,
    q: Annotated[str, Query(max_length=200, description="自由文本；为空时导出全部（按试点排列）")] = "",
    limit: Annotated[int, Query(ge=1, le=2000, description="最多导出条数")] = 2000,
) -> Response:
    """经验做法表：领域（按做法内容）、可复制性评分与理由、成效、适用条件，来源文档、章节与原文链接。"""
    practices = [practice for practice, _ in kb.practices(q.strip(), filters, limit)]
    return _xlsx(practices_workbook(practices, _links(settings, request)), "经验做法.xlsx")


@router.get(
    "/export/search.xlsx",
    summary="导出检索结果（Excel）",
    responses={**RESPONSES, 400: {"description": "查询为空"}},
    response_class=Response,
)
def export_search(
    kb: KB,
    settings: AppSettings,
    request: Request,
    filters: Filters,
    q: Annotated[str, Query(description="检索问题或关键词", max_length=500)],
    top_k: Annotated[int, Query(ge=1, le=MAX_SEARCH_EXPORT, description="导出条数")] = 50,
) -> Response:
    """检索结果表：名次、相关度、试点、文档、章节、页码、原文与原文链接。"""
    query = q.strip()
    if not query:
        raise ApiError(400, messages.EMPTY_QUERY, "q")
    hits = kb.search(query, filters, top_k)
    return _xlsx(search_workbook(query, hits, _links(settings, request)), "检索结果.xlsx")


@router.get("/export/figures.xlsx", summary="导出指标数据（Excel）", responses=RESPONSES, response_class=Response)
def export_figures(kb: KB, settings: AppSettings, request: Request, filters: Filters) -> Response:
    """指标数据表：指标、数值、单位、时期、换算值，试点与文档、原句和原文链接（按试点类型、地区、文档类型、年份等过滤）。"""
    return _xlsx(figures_workbook(figure_rows(kb, filters), _links(settings, request)), "指标数据.xlsx")
