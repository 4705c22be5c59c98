"""Pilots: the list, one pilot's page (documents by period, indicators over time,
practices), and similar pilots with their reasons."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import messages
from api.deps import KB, Views, pilot_or_404
from api.errors import ApiError
from api.presenters import pilot_page
from api.schemas import PilotInfo, PilotPage, SimilarPilotOut, SimilarRequest

router = APIRouter(tags=["试点"])


@router.get("/pilots", summary="试点列表", response_model=list[PilotInfo])
def list_pilots(kb: KB, views: Views) -> list[PilotInfo] | Response:
    """全部试点：类型、地区、文档数量。"""
    return views.response(
        kb.practice_catalog(), ("pilots",), list[PilotInfo], lambda: [PilotInfo(**pilot) for pilot in kb.pilots()]
    )


@router.get(
    "/pilots/{pilot_id}", summary="试点详情", response_model=PilotPage, responses={404: {"description": "试点不存在"}}
)
def get_pilot(kb: KB, views: Views, pilot_id: str) -> PilotPage | Response:
    """一个试点：按时期排列的文档、半年度报告中的指标时间序列、经验做法。"""
    return views.response(
        kb.practice_catalog(), ("pilot", pilot_id), PilotPage, lambda: pilot_page(kb, pilot_or_404(kb, pilot_id))
    )


@router.get(
    "/pilots/{pilot_id}/similar",
    summary="相似试点",
    response_model=list[SimilarPilotOut],
    responses={404: {"description": "试点不存在"}},
)
def similar_to_pilot(
    kb: KB, pilot_id: str, limit: Annotated[int, Query(ge=1, le=15, description="返回个数")] = 5
) -> list[SimilarPilotOut]:
    """与某试点相似的试点，附相似原因（相似做法、共同领域、同类型、同地区）。"""
    pilot_or_404(kb, pilot_id)
    return [SimilarPilotOut(**asdict(item)) for item in kb.similar_pilots(pilot_id, limit)]


@router.post("/similar", summary="按情况描述找相似试点", response_model=list[SimilarPilotOut])
def similar_to_profile(kb: KB, body: SimilarRequest) -> list[SimilarPilotOut]:
    """与一段情况描述相似的试点，附相似原因。"""
    profile = body.profile.strip()
    if not profile:
        raise ApiError(400, messages.EMPTY_PROFILE, "profile")
    return [SimilarPilotOut(**asdict(item)) for item in kb.similar_to_profile(profile, body.limit)]
