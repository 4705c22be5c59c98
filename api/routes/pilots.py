"""Pilots: the list, one pilot's page (documents by period, indicators over time,
practices), and similar pilots with their reasons."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from api import messages
from api.deps import KB
from api.errors import ApiError
from api.presenters import practice_out, section_pages
from api.schemas import (
    DocumentInfo,
    IndicatorSeries,
    PilotInfo,
    PilotPage,
    SeriesPointOut,
    SimilarPilotOut,
    SimilarRequest,
)
from index import SearchFilters

router = APIRouter(tags=["试点"])


def _pilot(kb, pilot_id: str) -> dict:
    pilot = next((item for item in kb.pilots() if item["pilot_id"] == pilot_id), None)
    if pilot is None:
        raise ApiError(404, messages.PILOT_NOT_FOUND.format(pilot_id=pilot_id), "pilot_id")
    return pilot


@router.get("/pilots", response_model=list[PilotInfo])
def list_pilots(kb: KB) -> list[PilotInfo]:
    """全部试点：类型、地区、文档数量。"""
    return [PilotInfo(**pilot) for pilot in kb.pilots()]


@router.get("/pilots/{pilot_id}", response_model=PilotPage, responses={404: {"description": "试点不存在"}})
def get_pilot(kb: KB, pilot_id: str) -> PilotPage:
    """一个试点：按时期排列的文档、半年度报告中的指标时间序列、经验做法。"""
    pilot = _pilot(kb, pilot_id)
    documents = kb.documents(SearchFilters(pilot_id=pilot_id))
    documents.sort(key=lambda doc: (doc.meta.get("date") or doc.meta.get("period") or "", doc.doc_id))
    infos = [DocumentInfo.from_meta(doc.doc_id, doc.meta) for doc in documents]
    by_period: dict[str, list[DocumentInfo]] = defaultdict(list)
    for info in infos:
        by_period[info.period or (info.date[:4] if info.date else "未注明")].append(info)
    indicators = [
        IndicatorSeries(name=name, unit=points[-1].unit, points=[SeriesPointOut(**asdict(point)) for point in points])
        for name, points in kb.time_series(pilot_id).items()
    ]
    page_of = section_pages(kb)
    practices = [
        practice_out(practice, page_of=page_of)
        for practice, _ in kb.practices("", SearchFilters(pilot_id=pilot_id), 100)
    ]
    return PilotPage(
        **pilot, documents=infos, documents_by_period=dict(by_period), indicators=indicators, practices=practices
    )


@router.get(
    "/pilots/{pilot_id}/similar", response_model=list[SimilarPilotOut], responses={404: {"description": "试点不存在"}}
)
def similar_to_pilot(
    kb: KB, pilot_id: str, limit: Annotated[int, Query(ge=1, le=15, description="返回个数")] = 5
) -> list[SimilarPilotOut]:
    """与某试点相似的试点，附相似原因（相似做法、共同领域、同类型、同地区）。"""
    _pilot(kb, pilot_id)
    return [SimilarPilotOut(**asdict(item)) for item in kb.similar_pilots(pilot_id, limit)]


@router.post("/similar", response_model=list[SimilarPilotOut])
def similar_to_profile(kb: KB, body: SimilarRequest) -> list[SimilarPilotOut]:
    """与一段情况描述相似的试点，附相似原因。"""
    profile = body.profile.strip()
    if not profile:
        raise ApiError(400, messages.EMPTY_PROFILE, "profile")
    return [SimilarPilotOut(**asdict(item)) for item in kb.similar_to_profile(profile, body.limit)]
