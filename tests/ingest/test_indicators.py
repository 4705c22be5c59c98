"""Figures: a named value with its unit and period, never a number without a unit."""

import pytest

from ingest.indicators import extract_figures, unit_rules
from tests.ingest.builders import make_document


def _figures(body, **meta):
    meta.setdefault("period", "2025H1")
    return extract_figures(make_document(body, **meta))


def _by_name(figures):
    return {figure.name: figure for figure in figures}


def test_sentence_figure_keeps_the_change_in_its_name_and_dates_itself():
    [figure] = _figures("一、主要工作进展\n\n2025年上半年园区单位工业增加值能耗同比下降4.2%。", period="2024H2")
    assert (figure.name, figure.value, figure.unit) == ("单位工业增加值能耗同比下降", 4.2, "%")
    assert (figure.period, figure.year) == ("2025H1", 2025)
    assert figure.text == "4.2%"
    assert figure.sentence == "2025年上半年园区单位工业增加值能耗同比下降4.2%。"


def test_capacity_is_normalised_to_megawatts():
    [figure] = _figures("屋顶分布式光伏装机容量达到1.8万千瓦。")
    assert (figure.name, figure.value, figure.unit, figure.period) == (
        "屋顶分布式光伏装机容量",
        1.8,
        "万千瓦",
        "2025H1",
    )
    assert figure.normalized_value == pytest.approx(18.0)
    assert figure.normalized_unit == "MW"


def test_two_figures_in_one_sentence_each_get_their_noun():
    figures = _by_name(_figures("年节约标准煤1.2万吨，减少二氧化碳排放3.1万吨。"))
    # Names are noun phrases of the indicator table (ingest/data/indicator_names.txt).
    assert set(figures) == {"年节约标准煤", "减少二氧化碳排放量"}
    assert figures["年节约标准煤"].value == 1.2 and figures["年节约标准煤"].unit == "万吨"
    assert figures["减少二氧化碳排放量"].normalized_value == pytest.approx(31000)
    assert figures["减少二氧化碳排放量"].normalized_unit == "吨"


@pytest.mark.parametrize(
    ("text", "unit", "normalized"),
    [
        ("ORC机组装机6000千瓦。", "千瓦", (6.0, "MW")),
        ("储能电站容量达到50兆瓦。", "兆瓦", (50.0, "MW")),
        ("年节能量达到9.4万吨标准煤。", "万吨标准煤", (94000.0, "吨标准煤")),
        ("上半年光伏发电量3900万千瓦时。", "万千瓦时", (39000000.0, "千瓦时")),
        ("矿井水回用规模达到5万立方米/日。", "万立方米/日", (50000.0, "立方米/日")),
        ("熟料单位产品综合能耗101.8千克标准煤/吨。", "千克标准煤/吨", (None, "")),
        ("累计完成投资47.5亿元。", "亿元", (475000.0, "万元")),
    ],
)
def test_units_as_written_and_normalised_only_where_safe(text, unit, normalized):
    [figure] = _figures(text)
    assert figure.unit == unit
    assert (figure.normalized_value, figure.normalized_unit) == (
        pytest.approx(normalized[0]) if normalized[0] is not None else None,
        normalized[1],
    )


def test_key_indicator_table_rows_give_name_unit_value_and_target():
    body = (
        "一、主要工作进展\n\n绿电消费占比达到39.8%。\n\n"
        "二、主要指标完成情况\n\n| 指标 | 单位 | 年度目标 | 完成值 |\n| --- | --- | --- | --- |\n"
        "| 绿电消费占比 | % | 45 | 39.8 |\n| 屋顶光伏装机容量 | 万千瓦 | 0.5 | 0.43 |\n"
        "| 数据中心电能利用效率（PUE） | — | 1.20 | 1.19 |\n| 绿氢产量 | 吨 | 4,000 | 1,650 |\n"
    )
    found = _figures(body, period="2024H2")
    assert [f.name for f in found].count("绿电消费占比") == 1
    figures = _by_name(found)
    share = figures["绿电消费占比"]
    assert (share.value, share.unit, share.period, share.year) == (39.8, "%", "2024H2", 2024)
    assert share.text == "39.8%（年度目标45%）"  # the table row replaces the same figure from prose
    assert figures["屋顶光伏装机容量"].normalized_value == pytest.approx(4.3)
    assert figures["数据中心电能利用效率（PUE）"].unit == ""  # the table says explicitly: no unit
    assert figures["绿氢产量"].value == 1650


def test_numbers_without_units_or_that_only_name_things_are_not_figures():
    body = (
        "一、主要工作进展\n\n"
        "1号线于2024年9月26日投产，联系电话0951-6012345，第3批企业完成评价。"
        "二期40万吨/年捕集装置已投运。接入企业11个点位数量增加。"
        "粉煤灰、脱硫石膏外销利用量分别同比增长18%、12%。"
        "80～120℃低温余热用于发电。"
    )
    assert _figures(body) == []


def test_a_comparison_borrows_the_noun_before_it_and_its_year_is_not_the_base():
    [emission, fall] = _figures("2024年全村二氧化碳排放0.74万吨，较2023年下降9.8%。", period="2025H1")
    assert (emission.name, emission.period) == ("二氧化碳排放", "2024")
    assert (fall.name, fall.value, fall.unit, fall.period) == ("二氧化碳排放较2023年下降", 9.8, "%", "2024")


def test_from_to_gives_the_current_value_and_a_dated_baseline():
    figures = _figures(
        "余热资源回收利用率由2023年的58%提高到2025年上半年的68.2%。", doc_type="经验总结", period="", date="2025-09-10"
    )
    assert [(f.name, f.value, f.period) for f in figures] == [
        ("余热资源回收利用率", 58.0, "2023"),
        ("余热资源回收利用率", 68.2, "2025H1"),
    ]
    undated = _figures("电解槽平均负荷率由46%提高到58%。", period="2025H1")
    assert [(f.name, f.value) for f in undated] == [("电解槽平均负荷率", 58.0)]


def test_rates_per_unit_keep_their_denominator():
    [cost] = _figures("单位绿氢成本降至每公斤18.6元。")
    assert (cost.name, cost.value, cost.unit) == ("单位绿氢成本", 18.6, "元/公斤")


def test_plans_targets_and_estimates_are_not_reported_figures():
    plan = (
        "## 一、基本情况\n\n2023年园区实现工业增加值186亿元，综合能源消费量1120万吨标准煤。\n\n"
        "## 二、主要目标\n\n到2025年，绿电消费占比达到12%。\n\n"
        "## 三、重点任务\n\n### （一）余热利用\n\n建设ORC机组1.2万千瓦，建成后年节约标准煤22万吨。\n"
    )
    figures = _figures(plan, doc_type="实施方案", period="", date="2024-05-16")
    assert [(f.name, f.value, f.period, f.year) for f in figures] == [
        ("工业增加值", 186.0, "2023", 2023),
        ("综合能源消费量", 1120.0, "2023", 2023),
    ]
    report = (
        "一、主要工作进展\n\n上半年生产绿氢3460吨，预计全年产绿氢9000吨。\n\n"
        "四、下半年工作安排\n\n（一）确保二氧化碳捕集能力达到80万吨/年。\n"
    )
    assert [(f.name, f.value) for f in _figures(report)] == [("绿氢产量", 3460.0)]


def test_figures_can_be_restricted_to_some_sections():
    document = make_document(
        "## 二、主要做法\n\n### （一）余热利用\n\n余热供暖面积120万平方米。\n\n### （二）绿氢\n\n生产绿氢3460吨。\n",
        doc_type="经验总结",
        date="2025-09-10",
    )
    hydrogen = [section for section in document.sections if section.heading_path[-1] == "（二）绿氢"]
    assert [f.name for f in extract_figures(document)] == ["余热供暖面积", "绿氢产量"]
    assert [f.name for f in extract_figures(document, hydrogen)] == ["绿氢产量"]
    assert {f.year for f in extract_figures(document)} == {2025}


def test_every_unit_conversion_is_declared_with_a_positive_factor():
    rules = unit_rules()
    assert rules["万千瓦"].normalized_unit == "MW" and rules["万千瓦"].factor == 10
    assert all(rule.factor is None or rule.factor > 0 for rule in rules.values())
    assert all(bool(rule.normalized_unit) == (rule.factor is not None) for rule in rules.values())


def test_each_figure_says_what_span_it_covers():
    body = (
        "一、主要工作进展\n\n"
        "下半年捕集利用二氧化碳27.4万吨，2025年全年捕集利用二氧化碳47.2万吨。"
        "上半年累计发电0.98亿千瓦时。9—12月累计生产绿氢860吨。\n\n"
        "截至12月底，累计投运氢能重卡160辆。园区绿氢产能达到1.2万吨/年。"
        "矿热炉煤气放散率由2023年的14%降至8%。\n\n"
        "二、主要指标完成情况\n\n| 指标 | 单位 | 2025年目标 | 完成值 | 统计口径 |\n| --- | --- | --- | --- | --- |\n"
        "| 二氧化碳捕集能力 | 万吨/年 | 80 | 80 | 截至2025年底 |\n| 绿电消费占比 | % | 12 | 12.4 | 2025年全年 |\n"
        "| 采暖耗热量同比下降 | % | 25 | 24.1 | 2024—2025年采暖季 |\n"
    )
    spans = {(f.name, f.value): (f.period_kind, f.period) for f in _figures(body, period="2025H2")}
    assert spans[("二氧化碳捕集利用量", 27.4)] == ("半年", "2025H2")
    assert spans[("二氧化碳捕集利用量", 47.2)] == ("全年", "2025")
    assert spans[("发电量", 0.98)] == ("半年", "2025H1")  # 上半年累计: the half-year's sum
    assert spans[("绿氢产量", 860)] == ("半年", "2025H2")  # 9—12月: a part of the second half
    assert spans[("投运氢能重卡", 160)][0] == "累计"
    assert spans[("绿氢产能", 1.2)] == ("累计", "2025H2")  # a stock, at the period's end
    assert spans[("矿热炉煤气放散率", 14)] == ("基期", "2023")
    assert spans[("二氧化碳捕集能力", 80)] == ("累计", "2025H2")  # the row's 统计口径
    assert spans[("绿电消费占比", 12.4)] == ("全年", "2025")
    assert spans[("采暖耗热量同比下降", 24.1)] == ("半年", "2025H1")  # the season ends in spring


def test_a_plans_figures_are_its_baseline():
    plan = "一、基本情况\n\n2023年园区综合能源消费量320万吨标准煤。\n"
    [figure] = extract_figures(make_document(plan, doc_type="实施方案", date="2024-04-18"))
    assert (figure.period_kind, figure.period) == ("基期", "2023")


def test_synonyms_and_units_join_one_indicator():
    figures = _figures("上半年生产绿氢1,650吨。吨熟料余热发电量30千瓦时。每吨运输成本降至约35元。")
    assert [(f.name, f.value, f.unit) for f in figures] == [
        ("绿氢产量", 1650, "吨"),
        ("吨熟料余热发电量", 30, "千瓦时/吨"),
        ("运输成本", 35, "元/吨"),
    ]


def test_a_figure_of_before_the_pilot_began_is_a_baseline_not_the_reports_period():
    """An experience summary dated 2025 recalls 「试点启动前，全村清洁取暖率仅22%」: a
    compare table must not rank 22% as the village's 2025 rate. A change measured from
    then (「较改造前下降26.3%」) is a figure of the report's period."""
    body = "一、基本情况\n\n试点启动前，全村清洁取暖率仅22%。改造楼栋采暖耗热量较改造前下降26.3%。"
    spans = {f.value: (f.period_kind, f.period) for f in _figures(body, period="2025H2")}
    assert spans[22][0] == "基期"
    assert spans[26.3][0] != "基期"


def test_the_value_reached_from_before_the_pilot_is_not_a_baseline():
    """「由试点前的360千瓦增加到2350千瓦」: 2350 is what the pilot reached (360, undated,
    is not read as a figure)."""
    spans = {
        f.value: f.period_kind
        for f in _figures("屋顶光伏装机容量由试点前的360千瓦增加到2350千瓦。", doc_type="经验总结", period="2025H1")
    }
    assert spans[2350] != "基期", spans
    before = {f.value: f.period_kind for f in _figures("试点启动前，全村清洁取暖率仅22%。", period="2025H2")}
    assert before[22] == "基期"


def test_a_verb_left_after_a_date_is_not_a_figures_name():
    """「至10月15日采暖季前完成106户」 made a series named 「前完成」 on the pilot's page."""
    text = "第二批清洁取暖改造因施工队伍不足，至10月15日采暖季前完成106户，截至2025年底全村清洁取暖率为64.8%。"
    names = [f.name for f in _figures(text, period="2025H2")]
    assert "前完成" not in names and "完成" not in names, names
