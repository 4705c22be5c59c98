"""`tanlu figures --check` on small handwritten reports: what it lists, and what the
text or a notes entry explains."""

from __future__ import annotations

from index.figure_check import check_figures, load_notes
from index.figure_series import build_series
from ingest.indicators import extract_figures
from tests.ingest.builders import make_document

PILOT = "demo-park"


def _report(period: str, body: str):
    return make_document(body, doc_id=f"{PILOT}/report-{period}", period=period)


def _check(documents, notes=None, plan_text=""):
    figures = {doc.doc_id: extract_figures(doc) for doc in documents}
    meta = {doc.doc_id: doc.meta.as_dict() for doc in documents}
    plans = {doc.doc_id: plan_text for doc in documents if doc.meta.doc_type == "实施方案"}
    return check_figures(figures, meta, notes, plans)


TABLE = "| 指标 | 单位 | 完成值 | 统计口径 |\n| --- | --- | --- | --- |\n"


def test_a_full_year_total_in_a_half_year_sentence_is_a_jump_until_explained():
    reports = [
        _report("2025H1", "一、主要工作进展\n\n上半年捕集利用二氧化碳19.8万吨。\n"),
        # The text files the full-year total as the second half's figure.
        _report("2025H2", "一、主要工作进展\n\n下半年捕集利用二氧化碳47.2万吨。\n"),
    ]
    [jump] = [item for item in _check(reports).items if item.kind == "跳变"]
    assert jump.indicator == "二氧化碳捕集利用量" and not jump.explained
    assert "2025H1 19.8万吨 → 2025H2 47.2万吨" in jump.detail
    note = {"pilot_id": PILOT, "kind": "跳变", "indicator": "二氧化碳捕集利用量", "reason": "二期下半年投运"}
    [explained] = [item for item in _check(reports, [note]).items if item.kind == "跳变"]
    assert explained.explanation == "二期下半年投运"


def test_a_partial_span_the_text_states_explains_a_jump():
    reports = [
        _report("2024H2", "一、主要工作进展\n\n11—12月累计发电3650万千瓦时。\n"),
        _report("2025H1", "一、主要工作进展\n\n上半年累计发电0.98亿千瓦时。\n"),
    ]
    # One series in one unit: 0.365 then 0.98 亿千瓦时, not a fall from 3650 to 0.98.
    [series] = build_series([(doc.doc_id, f) for doc in reports for f in extract_figures(doc)])
    assert series.unit == "亿千瓦时" and [p.value for p in series.points] == [0.365, 0.98]
    assert [p.written for p in series.points] == ["3650万千瓦时", "0.98亿千瓦时"]
    [jump] = [item for item in _check(reports).items if item.kind == "跳变"]
    assert jump.explained and "11—12月" in jump.explanation


def test_unit_conflicts_near_names_and_periods_outside_the_plan():
    plan = make_document(
        "一、基本情况\n\n园区现有企业31家。\n", doc_id=f"{PILOT}/plan", doc_type="实施方案", date="2024-04-18"
    )
    reports = [
        _report(
            "2025H1",
            f"一、主要工作进展\n\n上半年熟料余热发电量35千瓦时。秸秆综合利用率93%。\n\n二、指标\n\n{TABLE}"
            "| 熟料余热发电量 | 千瓦时/吨 | 36 | 2025年1—6月 |\n",
        ),
        _report("2027H1", "一、主要工作进展\n\n上半年秸秆综合利用比率95%。\n"),
    ]
    report = _check([plan, *reports], plan_text="到2025年，园区绿电消费占比达到15%。")
    kinds = {item.kind: item for item in report.items}
    assert "千瓦时、千瓦时/吨" in kinds["单位冲突"].detail
    assert kinds["名称相近"].indicator == "秸秆综合利用比率 / 秸秆综合利用率"
    assert "2027H1" in kinds["时期超出"].detail and "2024—2025" in kinds["时期超出"].detail
    assert not any(item.explained for item in report.items)


def test_the_notes_file_is_a_list_of_reasons(tmp_path):
    assert load_notes(tmp_path) == []
    (tmp_path / "_figure_notes.yaml").write_text("- pilot_id: a\n  indicator: b\n  reason: c\n", encoding="utf-8")
    assert load_notes(tmp_path) == [{"pilot_id": "a", "indicator": "b", "reason": "c"}]
