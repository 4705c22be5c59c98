"""Targets of an implementation plan: indicator, value, unit, year, form, baseline."""

from ingest.targets import AT_LEAST, AT_MOST, CHANGE, CUMULATIVE, LEVEL, YEAR_ON_YEAR, extract_targets
from tests.ingest.builders import make_document

PLAN = """
## 一、园区概况

2023年余热资源回收利用率仅为58%。

## 二、主要目标

### （一）2025年目标

扣除原料用能后，单位工业增加值能耗2024年、2025年分别同比下降3.0%和3.5%；余热资源回收利用率达到70%；黄河水取用量较2023年下降20%；二氧化碳捕集能力达到80万吨/年；数据中心年平均PUE降至1.20以下。

### （二）2030年目标

单位产品综合能耗降至2.25吨标准煤/吨以下，较2023年下降15%；耕层土壤有机质由2023年的11.2克/千克提高到12.5克/千克；累计新增造林5900亩；力争园区二氧化碳排放在2028年前后达到峰值，峰值控制在660万吨以内。

## 三、重点任务

建设光伏60万千瓦。
"""


def _targets(body=PLAN, doc_type="实施方案"):
    return extract_targets(make_document(body, doc_type=doc_type, date="2024-05-16"))


def _row(target):
    return (target.indicator, target.value, target.unit, target.year, target.form, target.direction)


def test_each_form_of_target_is_read_with_its_year_and_side():
    rows = [_row(target) for target in _targets().targets]
    assert rows == [
        ("单位工业增加值能耗", 3.0, "%", 2024, YEAR_ON_YEAR, AT_LEAST),
        ("单位工业增加值能耗", 3.5, "%", 2025, YEAR_ON_YEAR, AT_LEAST),
        ("余热资源回收利用率", 70.0, "%", 2025, LEVEL, AT_LEAST),
        ("黄河水取用量", 20.0, "%", 2025, CHANGE, AT_LEAST),
        ("二氧化碳捕集能力", 80.0, "万吨/年", 2025, LEVEL, AT_LEAST),
        ("数据中心年平均PUE", 1.2, "", 2025, LEVEL, AT_MOST),
        ("单位产品综合能耗", 2.25, "吨标准煤/吨", 2030, LEVEL, AT_MOST),
        ("单位产品综合能耗", 15.0, "%", 2030, CHANGE, AT_LEAST),
        ("耕层土壤有机质", 12.5, "克/千克", 2030, LEVEL, AT_LEAST),
        ("新增造林", 5900.0, "亩", 2030, CUMULATIVE, AT_LEAST),
    ]


def test_baselines_come_from_the_sentence():
    by_name = {(t.indicator, t.form): t for t in _targets().targets}
    assert by_name["黄河水取用量", CHANGE].baseline_year == 2023
    assert by_name["单位产品综合能耗", CHANGE].baseline_year == 2023
    soil = by_name["耕层土壤有机质", LEVEL]
    assert (soil.baseline_value, soil.baseline_year) == (11.2, 2023)
    assert by_name["余热资源回收利用率", LEVEL].baseline_year is None


def test_target_cites_its_sentence_and_section():
    heat = next(t for t in _targets().targets if t.indicator == "余热资源回收利用率")
    assert heat.sentence == "余热资源回收利用率达到70%"
    assert heat.heading_path == "二、主要目标 > （一）2025年目标"
    assert heat.text == "70%"


def test_peaks_are_not_tracked_and_tasks_are_not_targets():
    targets = _targets().targets
    assert not any("峰值" in t.indicator or t.value in (660.0, 60.0) for t in targets)


def test_only_plans_have_targets():
    assert _targets(doc_type="进展报告").targets == []


def test_a_target_sentence_that_cannot_be_read_is_listed_not_guessed():
    body = "## 二、主要目标\n\n到2025年，能耗定额预算管理覆盖全部12个用能单元；可再生能源消费占比达到45%。"
    reading = _targets(body)
    assert [_row(t) for t in reading.targets] == [("可再生能源消费占比", 45.0, "%", 2025, LEVEL, AT_LEAST)]
    assert reading.unread == ["到2025年，能耗定额预算管理覆盖全部12个用能单元"]


def test_a_target_without_a_year_is_listed_not_guessed():
    reading = _targets("## 二、主要目标\n\n绿电消费占比达到30%。")
    assert reading.targets == []
    assert reading.unread == ["绿电消费占比达到30%。（未注明目标年份）"]
