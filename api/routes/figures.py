"""GET /figures/check: the reported figures' problems (jumps, unit conflicts, near-
duplicate names, reports outside their plan's years), each explained or not."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from api.deps import KB, AppSettings
from api.errors import ApiError
from api.schemas import FigureCheckItem, FigureCheckOut
from index.figure_check import load_notes

router = APIRouter(tags=["指标"])


@router.get("/figures/check", summary="指标检查", response_model=FigureCheckOut)
def figures_check(kb: KB, settings: AppSettings) -> FigureCheckOut:
    """检查全部试点的指标：相邻同类时期变化超过 50%、单位无法换算、同一指标两个名称、报告时期超出实施方案年限。
    有说明（原文或语料目录中 _figure_notes.yaml）的条目附说明；其余为未解释的问题。"""
    try:
        notes = load_notes(settings.corpus_dir)
    except ValueError as error:
        raise ApiError(422, str(error), "_figure_notes.yaml") from error
    report = kb.check_figures(notes)
    items = [FigureCheckItem(**asdict(item), explained=item.explained) for item in report.items]
    return FigureCheckOut(
        series=report.series, figures=report.figures, unexplained=len(report.unexplained), items=items
    )
