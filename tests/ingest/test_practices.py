"""Practices: one per numbered subsection under 主要做法 / 工作进展 / 重点任务 headings."""

from ingest.practices import extract_practices, practice_id, strip_numbering
from tests.ingest.builders import make_document

SUMMARY = """# 示范园区碳达峰试点经验总结

## 一、基本情况

园区是自治区级化工园区，2023年综合能源消费量1120万吨标准煤。

## 二、主要做法

### （一）建设“蒸汽一张网”，推动余热梯级利用

园区建设18公里蒸汽互联管网，按“高压发电、中压工艺、低压伴热”梯级配置。

成效：接入企业11家，年节约标准煤约17.5万吨。

### （二）推行“碳效码”评价

按单位产品碳排放将企业分为A—E五级，评价结果与用能指标挂钩。“碳效贷”累计发放9.8亿元。

## 三、取得成效

2024年单位工业增加值能耗同比下降3.3%。

## 四、可推广经验

（一）园区降碳要跳出单个企业看系统。统一规划公共管网。
"""

REPORT = """宁东经发局：

2025年上半年园区推进试点建设。

一、主要工作进展

（一）节能诊断实现全覆盖。委托3家第三方机构开展节能诊断，识别节能改造项目46项。

（二）余热利用项目陆续投运。具体如下：

1. 蒸汽互联管网。9公里双管于10月投运，年互供蒸汽约120万吨。

2. 低温余热发电。ORC机组于12月并网，年发电量约4300万千瓦时。

二、存在的问题

（一）电解槽负荷率偏低。平均负荷率仅为46%。
"""

PLAN = """## 一、园区概况

园区规划面积46平方公里。

## 三、重点任务

### （一）余热余压梯级利用

1. 开展节能诊断。对17家重点用能企业开展节能诊断。
2. 建设园区蒸汽互联管网。

## 四、重点工程

1. 余热余压梯级利用及蒸汽互联工程：建设蒸汽互联管网18公里，投资7.6亿元。
2. 园区能碳管理平台工程：接入全部规上企业计量数据。

## 六、保障措施

（一）组织保障。成立试点领导小组。
"""


def test_each_subsection_under_main_practices_is_one_practice():
    document = make_document(
        SUMMARY, doc_id="demo-park/summary", doc_type="经验总结", date="2025-09-10", fields=("节能降碳增效", "工业")
    )
    steam, code = extract_practices(document)
    assert steam.title == "建设“蒸汽一张网”，推动余热梯级利用"
    assert steam.description.startswith("园区建设18公里蒸汽互联管网")
    assert "成效：接入企业11家" in steam.description
    assert [(f.name, f.value) for f in steam.figures] == [("接入企业", 11.0), ("年节约标准煤", 17.5)]
    assert [(f.name, f.value) for f in code.figures] == [("“碳效贷”累计发放", 9.8)]
    assert (steam.pilot, steam.pilot_id, steam.pilot_type, steam.fields, steam.demo) == (
        "示范园区",
        "demo-park",
        "园区",
        ["节能降碳增效", "工业"],
        True,
    )
    [source] = steam.sources
    assert (source.doc_id, source.doc_type, source.date, source.period) == (
        "demo-park/summary",
        "经验总结",
        "2025-09-10",
        "",
    )
    assert source.heading_path == "示范园区碳达峰试点经验总结 > 二、主要做法 > （一）建设“蒸汽一张网”，推动余热梯级利用"


def test_lessons_are_read_only_when_a_document_has_no_practices_section():
    titles = [p.title for p in extract_practices(make_document(SUMMARY, doc_type="经验总结"))]
    assert titles == ["建设“蒸汽一张网”，推动余热梯级利用", "推行“碳效码”评价"]
    lessons_only = SUMMARY.split("## 二、主要做法")[0] + "## 四、可推广经验\n\n" + SUMMARY.split("## 四、可推广经验")[1]
    [lesson] = extract_practices(make_document(lessons_only, doc_type="经验总结"))
    assert lesson.title == "园区降碳要跳出单个企业看系统"
    assert lesson.description == "统一规划公共管网。"


def test_report_measures_drop_their_repeated_title_and_keep_nested_items():
    document = make_document(REPORT, doc_id="demo-park/report-2025H1", period="2025H1")
    diagnosis, heat = extract_practices(document)
    assert diagnosis.title == "节能诊断实现全覆盖"
    assert diagnosis.description == "委托3家第三方机构开展节能诊断，识别节能改造项目46项。"
    assert heat.title == "余热利用项目陆续投运"
    assert heat.description.startswith("具体如下：\n1. 蒸汽互联管网。")
    assert "2. 低温余热发电" in heat.description
    assert {(f.name, f.period) for f in heat.figures} == {("年互供蒸汽", "2025H1"), ("年发电量", "2025H1")}
    assert heat.sources[0].heading_path == "一、主要工作进展 > （二）余热利用项目陆续投运"
    assert all("负荷率" not in p.description for p in (diagnosis, heat))  # 存在的问题 is not a practice


def test_plan_tasks_and_key_projects_are_practices_but_safeguards_are_not():
    practices = extract_practices(make_document(PLAN, doc_id="demo-park/plan", doc_type="实施方案", date="2024-05-16"))
    assert [p.title for p in practices] == [
        "余热余压梯级利用",
        "余热余压梯级利用及蒸汽互联工程",
        "园区能碳管理平台工程",
    ]
    assert practices[0].description == "1. 开展节能诊断。对17家重点用能企业开展节能诊断。\n2. 建设园区蒸汽互联管网。"
    assert practices[1].description == "建设蒸汽互联管网18公里，投资7.6亿元。"
    assert all(p.figures == [] for p in practices)  # a plan's quantities are planned, not reported


def test_practice_ids_are_stable_and_distinct():
    document = make_document(REPORT, doc_id="demo-park/report-2025H1", period="2025H1")
    first = [p.practice_id for p in extract_practices(document)]
    again = [
        p.practice_id
        for p in extract_practices(make_document(REPORT, doc_id="demo-park/report-2025H1", period="2025H1"))
    ]
    assert first == again and len(set(first)) == 2
    assert first[0] == practice_id("demo-park/report-2025H1", ("一、主要工作进展", "（一）节能诊断实现全覆盖"))
    other = make_document(REPORT, doc_id="demo-park/report-2024H2", period="2024H2")
    assert not set(first) & {p.practice_id for p in extract_practices(other)}


def test_strip_numbering_handles_every_official_level():
    assert strip_numbering("二、主要做法") == "主要做法"
    assert strip_numbering("（一）余热梯级利用。") == "余热梯级利用"
    assert strip_numbering("1. 屋顶分布式光伏整区开发工程") == "屋顶分布式光伏整区开发工程"
    assert strip_numbering("（3）推动新建建筑执行绿色建筑标准…") == "推动新建建筑执行绿色建筑标准"
    assert strip_numbering("3.5万千瓦光伏") == "3.5万千瓦光伏"
