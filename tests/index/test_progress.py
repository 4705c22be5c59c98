"""Reporting status and target status from catalogue records, without embeddings: a
missing half-year report, a report outside the plan's years, and the status rule."""

from __future__ import annotations

from index.catalog import DocumentRecord
from index.chunk_table import ChunkTable
from index.progress import ProgrammeProgress
from index.target_status import LAGGING, MET, NO_DATA, ON_TRACK, Reading, judge, line_start
from ingest.extracted import Figure, Target
from ingest.targets import AT_LEAST, AT_MOST, CHANGE, LEVEL, YEAR_ON_YEAR

PLAN_TEXT = "到2025年，清洁取暖率达到70%。到2030年，清洁取暖率达到95%。"


def _document(doc_id: str, doc_type: str, *, period: str = "", date: str = "", sections=()) -> DocumentRecord:
    pilot_id = doc_id.split("/")[0]
    meta = {
        "title": f"{pilot_id} {doc_type} {period}",
        "pilot": pilot_id,
        "pilot_id": pilot_id,
        "pilot_type": "乡村",
        "doc_type": doc_type,
        "period": period,
        "date": date,
    }
    return DocumentRecord(doc_id, f"/tmp/{doc_id}.md", "", meta, list(sections), 0, "")


def _progress(documents, figures=None) -> ProgrammeProgress:
    return ProgrammeProgress(documents, figures or {}, [], {}, ChunkTable([]))


def _pilot(pilot_id: str) -> dict:
    return {"pilot_id": pilot_id, "pilot": pilot_id, "pilot_type": "乡村"}


def test_reporting_shows_a_missing_report_and_one_outside_the_plans_years():
    plan_sections = [{"heading_path": ["二、建设目标"], "text": PLAN_TEXT}]
    documents = [
        _document("village-a/plan", "实施方案", date="2024-05-01", sections=plan_sections),
        _document("village-b/plan", "实施方案", date="2024-05-01", sections=plan_sections),
        *(_document(f"village-a/report-{p}", "进展报告", period=p) for p in ("2024H2", "2025H1", "2025H2", "2026H1")),
        *(_document(f"village-b/report-{p}", "进展报告", period=p) for p in ("2023H1", "2024H2", "2025H1", "2025H2")),
    ]
    progress = _progress(documents)
    periods, reporting = progress.reporting([_pilot("village-a"), _pilot("village-b"), _pilot("village-c")])
    assert periods == ["2023H1", "2023H2", "2024H1", "2024H2", "2025H1", "2025H2", "2026H1"]
    by_id = {item.pilot_id: item for item in reporting}
    assert set(by_id) == {"village-a", "village-b"}  # village-c has neither plan nor reports
    # The plan was made in 2024: earlier half-years are not asked of it.
    assert by_id["village-a"].missing == ["2024H1"] and by_id["village-b"].missing == ["2024H1", "2026H1"]
    assert [slot.period for slot in by_id["village-b"].outside_plan] == ["2023H1"]
    assert by_id["village-a"].outside_plan == []
    assert {(t.target.year, t.target.value) for t in progress.targets} == {(2025, 70.0), (2030, 95.0)}
    assert all(t.status == NO_DATA for t in progress.targets)


def _goal(value=70.0, year=2025, form=LEVEL, direction=AT_LEAST, base=None, base_year=None, unit="%") -> Target:
    return Target("清洁取暖率", value, unit, year, form, direction, base, base_year, f"{value}{unit}", "句。", "目标")


def _reading(value: float, period: str, kind: str = "", unit: str = "%", doc_type: str = "进展报告") -> Reading:
    return Reading("清洁取暖率", value, unit, period, kind, "village-a/report", "句。", doc_type)


def test_a_level_is_met_late_missed_after_its_year_or_judged_on_a_straight_line():
    goal = _goal()
    assert judge(goal, [], None).status == NO_DATA
    missed = judge(goal, [_reading(64.8, "2025H2")], None)
    assert missed.status == LAGGING and "目标年已过" in missed.reason
    # Reached only in 2026: the 2025 target was still missed, as the pilot's year-end report says.
    late = judge(goal, [_reading(64.8, "2025H2"), _reading(71.0, "2026H1")], None)
    assert late.status == LAGGING and late.reading.value == 64.8
    assert late.reason == "2025年下半年64.8%，目标2025年70%，目标年已过仍未达到；2026年上半年71%，此后已达到"
    # Met at the year's end and lower since: met, and the drop is said.
    kept = judge(goal, [_reading(70.5, "2025", "全年"), _reading(69.0, "2026H1")], None)
    assert kept.status == MET and kept.reason.endswith("；2026年上半年69%，此后已低于目标")
    still = judge(goal, [_reading(64.8, "2025H2"), _reading(66.0, "2026H1")], None)
    assert still.status == LAGGING and still.reason.endswith("；2026年上半年66%，仍未达到")
    # No value at the year's end: the latest decides.
    assert judge(goal, [_reading(64.8, "2025H1"), _reading(71.0, "2026H1")], None).status == MET
    start = line_start(goal, _reading(22.0, "2023", "基期"))
    assert start == (22.0, 2024.0)
    # Mid-2025 on the line from 22% (end of 2023) to 70% (end of 2025): 58%.
    assert judge(goal, [_reading(60.0, "2025H1")], start).status == ON_TRACK
    behind = judge(goal, [_reading(52.6, "2025H1")], start)
    assert behind.status == LAGGING and abs(behind.expected - 58.0) < 1e-9


def test_the_year_end_value_a_progress_report_gives_decides_before_a_summary_or_a_baseline():
    """An experience summary of September 2025 gave its August values as 2025's, and its
    「由22%提高到69.9%」 dated the 22% baseline 2025: neither is the year-end value."""
    goal = _goal()
    readings = [
        _reading(22.0, "2025", "基期", doc_type="经验总结"),
        _reading(69.9, "2025", "全年", doc_type="经验总结"),
        _reading(64.8, "2025H2", "累计"),
    ]
    judged = judge(goal, readings, None)
    assert judged.status == LAGGING and judged.reading.value == 64.8, judged
    # Only a summary's value at the year's end: it decides (not the baseline beside it).
    assert judge(goal, readings[:2], None).reading.value == 69.9


def test_a_ceiling_a_change_and_a_yearly_rate():
    ceiling = _goal(1.20, 2025, LEVEL, AT_MOST, unit="")
    assert judge(ceiling, [_reading(1.21, "2025", "全年", "")], None).status == LAGGING
    assert judge(ceiling, [_reading(1.19, "2025", "全年", "")], None).status == MET
    change = _goal(20.0, 2030, CHANGE, base_year=2023)
    start = line_start(change, None)
    assert start == (0.0, 2024.0)
    assert judge(change, [_reading(8.0, "2025")], start).status == ON_TRACK  # line: 20 × 2/7 = 5.7
    assert judge(change, [_reading(5.0, "2025")], start).status == LAGGING
    yearly = _goal(3.5, 2025, YEAR_ON_YEAR)
    assert judge(yearly, [_reading(3.3, "2024", "全年")], None).status == NO_DATA
    assert judge(yearly, [_reading(4.2, "2025H1", "半年")], None).status == ON_TRACK
    assert judge(yearly, [_reading(4.2, "2025H1", "半年"), _reading(3.4, "2025", "全年")], None).status == LAGGING
    assert judge(yearly, [_reading(3.8, "2025", "全年")], None).status == MET


def test_targets_link_to_reported_figures_of_the_same_indicator_unit_and_form():
    text = "屋顶光伏装机容量达到0.5万千瓦；化肥施用量较2023年下降15%。"
    plan_sections = [{"heading_path": ["二、主要目标", "（一）2025年目标"], "text": text}]
    documents = [
        _document("village-a/plan", "实施方案", date="2024-05-01", sections=plan_sections),
        _document("village-a/report-2025H2", "进展报告", period="2025H2"),
    ]
    figures = {
        "village-a/report-2025H2": [
            Figure("屋顶分布式光伏装机容量", 5000.0, "千瓦", "5000千瓦", "指标：…", "2025H2", 2025, 5.0, "MW"),
            Figure("化肥施用量较2023年下降", 16.2, "%", "16.2%", "化肥施用量较2023年下降16.2%。", "2025", 2025),
            Figure("化肥施用量", 820.0, "吨", "820吨", "化肥施用量820吨。", "2025", 2025),
        ]
    }
    progress = _progress(documents, figures)
    by_name = {record.target.indicator: record for record in progress.targets}
    solar, fertiliser = by_name["屋顶光伏装机容量"], by_name["化肥施用量"]
    assert [(r.value, r.unit) for r in solar.readings] == [(0.5, "万千瓦")]  # 5000千瓦 in the target's unit
    assert solar.status == MET
    assert [r.value for r in fertiliser.readings] == [16.2] and fertiliser.status == MET


def test_a_yes_no_question_asks_for_any_status_a_which_question_for_one():
    from index.target_answers import wanted_statuses

    for question in (
        "金沙园区今年上半年PUE才1.17，是不是已经稳稳达到1.20以下的目标了？",
        "清泉园区余热资源回收利用率70%的目标完成了没有？",
        "红柳湾村2025年沼气产量300万立方米的目标完成没有？",
        "西岭建材熟料单位能耗达标了吗？",
        "星海园区固废综合利用率能否达到72%？",
    ):
        assert wanted_statuses(question) == (), question
    assert wanted_statuses("哪些试点已经完成了余热资源回收利用率目标，靠什么做到的？") == (MET,)
    assert wanted_statuses("哪些试点还没完成2025年目标？") == (LAGGING,)
