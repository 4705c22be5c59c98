"""Response models of targets and programme progress (GET /progress, GET /pilots/{id}/targets)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CitedSourceOut(BaseModel):
    """Where a cited sentence stands; the page links to ``/#/doc/<doc_id>?section=<anchor>``."""

    doc_id: str
    title: str
    doc_type: str
    period: str
    heading_path: str
    anchor: str
    chunk_id: str
    sentence: str


class ReadingOut(BaseModel):
    name: str = Field(description="报告中的指标名称")
    value: float
    unit: str
    period: str
    period_kind: str = Field(description="半年 / 全年 / 累计 / 基期；空表示未标注")
    when: str = Field(description="如“2025年全年”“截至2026年6月底”")
    doc_id: str


class CreditOut(BaseModel):
    practice_id: str
    title: str
    doc_id: str
    heading_path: str
    anchor: str


class TargetOut(BaseModel):
    target_id: str
    pilot_id: str
    pilot: str
    pilot_type: str
    indicator: str
    value: float
    unit: str
    year: int
    form: str = Field(description="水平 / 较基期变化 / 同比 / 累计")
    direction: str = Field(description="不低于 / 不高于：达到目标的一侧")
    baseline_value: float | None = None
    baseline_year: int | None = None
    text: str = Field(description="目标原文中的数值，如“70%”")
    family: str = Field(description="所属关键目标类别（矩阵的列），空表示不在其中")
    status: str = Field(description="已完成 / 按进度 / 滞后 / 无数据")
    reason: str = Field(description="判定依据（中文）")
    expected: float | None = Field(None, description="按直线进度此时应达到的值")
    target_source: CitedSourceOut
    latest: ReadingOut | None = None
    latest_source: CitedSourceOut | None = None
    readings: list[ReadingOut] = []
    credited: list[CreditOut] = Field(default_factory=list, description="试点归功于该目标的经验做法")


class ReportSlotOut(BaseModel):
    period: str
    doc_id: str | None = None
    title: str = ""


class PilotReportingOut(BaseModel):
    pilot_id: str
    pilot: str
    pilot_type: str
    slots: list[ReportSlotOut]
    missing: list[str]
    outside_plan: list[ReportSlotOut] = Field(description="时期超出实施方案年限的报告")


class MatrixCellOut(BaseModel):
    target_id: str
    indicator: str
    year: int
    status: str


class MatrixRowOut(BaseModel):
    pilot_id: str
    pilot: str
    pilot_type: str
    counts: dict[str, int]
    cells: dict[str, list[MatrixCellOut]]


class ComparisonRowOut(BaseModel):
    pilot_id: str
    pilot: str
    pilot_type: str
    indicator: str
    value: float
    unit: str
    when: str
    target_value: float
    target_year: int
    status: str
    target_id: str
    source: CitedSourceOut


class ComparisonOut(BaseModel):
    title: str
    unit: str
    form: str
    rows: list[ComparisonRowOut]


class UnreadTargetOut(BaseModel):
    doc_id: str
    sentence: str


class ProgressOut(BaseModel):
    periods: list[str] = Field(description="报送情况的半年度列")
    reporting: list[PilotReportingOut]
    status_counts: dict[str, int]
    matrix_columns: list[str]
    matrix: list[MatrixRowOut]
    comparisons: list[ComparisonOut]
    targets: list[TargetOut]
    unread: list[UnreadTargetOut] = Field(description="无法读取的目标句（不猜测）")
