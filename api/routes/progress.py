"""Targets and programme progress: GET /progress (the dashboard) and GET /pilots/{id}/targets."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import KB, Filters, pilot_or_404
from api.progress_presenters import pilot_targets, progress_out
from api.progress_schemas import ProgressOut, TargetOut

router = APIRouter(tags=["目标与进度"])


@router.get("/progress", summary="试点工作进度", response_model=ProgressOut)
def get_progress(kb: KB, filters: Filters) -> ProgressOut:
    """试点工作进度：各试点各半年度的报告报送情况、试点×关键目标的状态矩阵、跨试点对比表、
    全部目标（已完成 / 按进度 / 滞后 / 无数据，附目标原句与最新报告原句）。可按试点类型过滤。"""
    return progress_out(kb, filters.pilot_type)


@router.get(
    "/pilots/{pilot_id}/targets",
    summary="试点目标与进度",
    response_model=list[TargetOut],
    responses={404: {"description": "试点不存在"}},
)
def get_pilot_targets(kb: KB, pilot_id: str) -> list[TargetOut]:
    """一个试点实施方案中的目标：数值、目标年、基期、状态及判定依据、最新报告值与出处、归功的经验做法。"""
    pilot_or_404(kb, pilot_id)
    return pilot_targets(kb, pilot_id)
