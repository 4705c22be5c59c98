"""Metadata guessed from short texts: the rules of ingest.metadata_inference, one by one."""

from __future__ import annotations

import pytest

from ingest.domain import PLACE_REGIONS, REGIONS
from ingest.metadata_inference import (
    TextClues,
    infer_date,
    infer_doc_type,
    infer_period,
    infer_pilot,
    infer_pilot_type,
    infer_region,
    infer_title,
    pilot_name_from_title,
    type_of_name,
)

CITY_PLAN_HEAD = (
    "为推动全市绿色低碳发展，结合城市功能定位，制定本方案。\n"
    "一、总体要求\n（一）主要目标。到2025年，全市单位地区生产总值能耗下降14%，城市建成区绿色建筑占比达到70%。\n"
    "（二）统筹城乡发展。以乡村振兴为抓手，推进城乡基础设施一体化，乡村振兴示范带建设全面铺开。\n"
    "二、重点任务\n（一）城区清洁取暖。市政府统筹城区供热管网改造，全市清洁取暖率达到85%。"
)


def clues(title: str = "", head: str = "", file_name: str = "doc", tail: str = "", pilot: str = "") -> TextClues:
    return TextClues(title=title, file_name=file_name, head=head, tail=tail, pilot=pilot)


@pytest.mark.parametrize(
    ("title", "region"),
    [
        ("兴庆区清河社区碳达峰试点实施方案", "银川市"),
        ("灵武市临河工业园碳达峰试点实施方案", "银川市"),
        ("大武口区星光社区碳达峰试点工作进展报告", "石嘴山市"),
        ("红寺堡区柳泉村碳达峰试点经验总结", "吴忠市"),
        ("彭阳县金鸡村碳达峰试点实施方案", "固原市"),
        ("沙坡头区迎水社区碳达峰试点实施方案", "中卫市"),
        ("宁东某煤化工有限公司碳达峰试点实施方案", "宁东能源化工基地"),
    ],
)
def test_a_county_or_district_in_the_title_gives_its_city(title, region):
    inference = infer_region(clues(title))
    assert inference is not None and inference.value == region
    assert inference.evidence


def test_the_county_table_maps_every_place_to_one_of_the_six_regions():
    assert set(PLACE_REGIONS.values()) == set(REGIONS)
    assert all(PLACE_REGIONS[region] == region for region in REGIONS)


def test_a_mountain_is_not_a_county_and_a_city_name_inside_a_longer_one_counts_once():
    # 贺兰山 is not 贺兰县; nothing else names a place, so there is no region to guess.
    assert infer_region(clues("贺兰山示范园区碳达峰试点实施方案")) is None
    # 「银川市」 is one mention of 银川市, not also one of 「银川」: still decided by the title.
    found = infer_region(clues("银川市翠柳社区碳达峰试点实施方案", head="社区位于吴忠市方向的银川市东部。"))
    assert found is not None and found.value == "银川市"


def test_a_region_named_in_passing_once_in_the_text_is_not_enough():
    assert infer_region(clues("某园区碳达峰试点实施方案", head="园区距中卫市120公里，交通便利。")) is None
    many = "园区位于中卫市西部。中卫市是全国重要的数据中心集聚区。园区与中卫市签订合作协议。"
    found = infer_region(clues("某园区碳达峰试点实施方案", head=many))
    assert found is not None and found.value == "中卫市"


def test_rural_revitalisation_in_a_city_plan_does_not_make_it_a_village():
    # By the pilot's name in the title …
    named = infer_pilot_type(clues("银川市凤鸣区碳达峰试点实施方案", head=CITY_PLAN_HEAD))
    assert named is not None and named.value == "城市"
    # … and by the words of the text alone, when the title names no pilot.
    unnamed = infer_pilot_type(clues("碳达峰试点实施方案", head=CITY_PLAN_HEAD))
    assert unnamed is not None and unnamed.value == "城市", unnamed


def test_a_real_village_text_is_a_village():
    head = (
        "红柳湾村位于黄河东岸，全村农户312户。\n一、主要做法\n（一）村集体牵头建设沼气站，村民以畜禽粪污入股。"
        "\n（二）村委会组织农户安装屋顶光伏，全村装机1.2兆瓦。"
    )
    assert infer_pilot_type(clues("碳达峰试点工作进展报告", head=head)).value == "乡村"
    assert infer_pilot_type(clues("吴忠市红柳湾村碳达峰试点实施方案")).value == "乡村"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("贺兰山示范园区", "园区"),
        ("石嘴山星海新材料产业园", "园区"),
        ("银川经济技术开发区", "园区"),
        ("银川市翠柳社区", "社区"),
        ("吴忠市滨河实验学校", "公共机构"),
        ("固原市清凉山医院", "公共机构"),
        ("宁东华垣煤制油有限公司", "企业"),
        ("银川市凤鸣区", "城市"),
        ("吴忠市红柳湾村", "乡村"),
    ],
)
def test_the_longest_ending_of_a_pilot_name_gives_its_type(name, kind):
    assert type_of_name(name)[0] == kind


def test_a_text_about_every_kind_of_pilot_gets_no_type():
    head = "选择城市、园区、乡村、社区、公共机构、企业开展试点。园区试点……社区试点……企业试点……学校、医院……"
    assert infer_pilot_type(clues("碳达峰试点建设方案", head=head)) is None


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("贺兰山示范园区碳达峰试点实施方案", "贺兰山示范园区"),
        ("宁东清泉煤化工产业园碳达峰试点2025年上半年工作进展报告", "宁东清泉煤化工产业园"),
        ("吴忠市滨河实验学校2024年下半年工作进展情况", "吴忠市滨河实验学校"),
        ("关于银川市翠柳社区碳达峰试点经验做法的报告", "银川市翠柳社区"),
        ("宁夏碳达峰试点建设方案", ""),
        ("关于印发《宁夏碳达峰试点建设方案》的通知", ""),
    ],
)
def test_the_pilot_name_is_the_start_of_the_title(title, name):
    assert pilot_name_from_title(title) == name


def test_the_pilot_falls_back_to_a_folder_or_file_that_looks_like_a_pilot():
    assert infer_pilot("2025年上半年工作进展报告", "贺兰山示范园区", "report").value == "贺兰山示范园区"
    assert infer_pilot("工作进展报告", "docs", "清河社区进展报告").value == "清河社区"
    assert infer_pilot("工作进展报告", "docs", "report-2025H1") is None


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("贺兰山示范园区碳达峰试点实施方案", "实施方案"),
        ("贺兰山示范园区碳达峰试点2025年上半年工作进展情况", "进展报告"),
        ("贺兰山示范园区碳达峰试点经验做法", "经验总结"),
        ("余热梯级利用典型案例", "典型案例"),
        ("贺兰山示范园区碳达峰试点实施方案实施情况评估报告", "评估报告"),
        ("关于印发《贺兰山示范园区碳达峰试点实施方案》的通知", "政策文件"),
        ("关于加快推进园区循环化改造的意见", "政策文件"),
    ],
)
def test_doc_type_from_the_title(title, kind):
    assert infer_doc_type(clues(title)).value == kind


def test_doc_type_from_the_file_name_when_the_title_says_nothing():
    assert infer_doc_type(clues("贺兰山示范园区", file_name="summary")).value == "经验总结"
    assert infer_doc_type(clues("贺兰山示范园区", file_name="report-2025H1")).value == "进展报告"
    assert infer_doc_type(clues("贺兰山示范园区", file_name="a1")) is None


@pytest.mark.parametrize(
    ("title", "doc_type", "period"),
    [
        ("某园区碳达峰试点2025年上半年工作进展报告", "进展报告", "2025H1"),
        ("某园区碳达峰试点2024年下半年工作进展报告", "进展报告", "2024H2"),
        ("某园区碳达峰试点2024年度工作进展报告", "进展报告", "2024H2"),
        ("某园区碳达峰试点2024年全年工作总结", "进展报告", "2024H2"),
        ("某园区碳达峰试点二〇二五年上半年工作进展报告", "进展报告", "2025H1"),
        ("某园区2024年度碳达峰试点实施方案", "实施方案", None),
    ],
)
def test_period_from_the_title(title, doc_type, period):
    found = infer_period(clues(title), doc_type)
    assert (found.value if found else None) == period


def test_period_from_a_file_name_and_from_a_report_text_but_not_a_plan_schedule():
    assert infer_period(clues("某园区工作进展报告", file_name="report-2025H1"), "进展报告").value == "2025H1"
    head = "2025年上半年，园区扎实推进碳达峰试点建设。"
    assert infer_period(clues("某园区工作进展报告", head=head), "进展报告").value == "2025H1"
    schedule = "三、进度安排\n2025年上半年完成余热回收站建设，2025年下半年完成验收。"
    assert infer_period(clues("某园区碳达峰试点实施方案", head=schedule), "实施方案") is None


def test_date_from_the_signature_line():
    tail = "（五）做好总结推广。\n\n贺兰山示范园区管委会\n2025年6月30日"
    assert infer_date(clues("某报告", tail=tail)).value == "2025-06-30"
    chinese = "贺兰山示范园区管委会\n二〇二五年六月三十日"
    assert infer_date(clues("某报告", tail=chinese)).value == "2025-06-30"
    # A date inside a sentence is a deadline, not the document's date.
    assert infer_date(clues("某方案", head="到2025年12月31日前完成改造。", tail="力争如期完成。")) is None
    assert infer_date(clues("某方案", tail="2025年13月40日")) is None
    assert infer_date(clues("某方案", tail="2025年2月30日")) is None


def test_title_is_the_first_short_line_else_the_file_name():
    lines = ["贺兰山示范园区碳达峰试点实施方案", "为推动园区绿色低碳发展，制定本方案。"]
    assert infer_title("", lines, "plan").value == lines[0]
    numbered = ["一、总体要求", "（一）指导思想。园区坚持……"]
    assert infer_title("", numbered, "plan").value == "plan"
    assert infer_title("文档属性中的标题", lines, "plan").value == "文档属性中的标题"
