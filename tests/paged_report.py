"""The fictional progress report that the PDF and OFD tests typeset (demo data).

Short pages (LINES_PER_PAGE) make the report run over three pages, with the paragraph
「（二）推动能源结构调整…」 running on from page 1 to page 2 in mid-sentence.
"""

from __future__ import annotations

from tests.ofd_writer import Layout, flow

TITLE = "贺兰山示范园区碳达峰试点2025年上半年工作进展报告"
HEADER = "贺兰山示范园区碳达峰试点进展报告"
LINES_PER_PAGE = 12

INTRO = (
    "2025年上半年，贺兰山示范园区（虚构的演示试点）按照碳达峰试点实施方案确定的目标任务，"
    "统筹推进节能降碳和产业升级，各项工作总体进展顺利。"
)
HEAT = (
    "（一）推进余热梯级利用。园区建成焦化、电石余热回收项目3个，年回收余热折合标准煤1.2万吨，"
    "带动入园企业降低生产成本约860万元。"
)
HEAT_POWER = "1.实施焦化余热发电改造。装机容量2.5万千瓦，上半年发电量0.8亿千瓦时，厂用电自给率提高到62%。"
STEAM = "2.建设园区集中供汽管网。新建蒸汽管网14公里，替代企业自备燃煤锅炉6台。"
# Runs on over the page break in mid-sentence; its last sentence is on page 2.
ENERGY = (
    "（二）推动能源结构调整。园区新增分布式光伏装机12万千瓦，建成集中式储能电站一座，"
    "可再生能源电力消纳比重达到35%，较上年同期提高6个百分点，园区绿电交易电量累计达到2.3亿千瓦时，"
    "为入园企业节约用能成本约1500万元。屋顶光伏项目全部采用自发自用、余电上网模式，"
    "由园区管委会统一组织运维。"
)
ENERGY_PAGE_2 = "屋顶光伏项目全部采用自发自用、余电上网模式"
TABLE = (
    ("指标", "单位", "目标值", "完成值"),
    ("单位工业增加值能耗下降", "%", "3.0", "3.4"),
    ("可再生能源电力消纳比重", "%", "33", "35"),
)
PROBLEMS_HEADING = "二、存在问题"
PROBLEMS = "部分企业节能改造资金不足，碳排放在线监测设施覆盖率偏低，园区碳排放核算体系尚不完善。"
PLANS_HEADING = "三、下半年工作安排"
PLAN_CCUS = "（一）开展二氧化碳捕集利用试点。推动煤化工企业建设年捕集能力10万吨的示范装置。"
PLAN_MONITOR = "（二）完善碳排放监测体系。年底前实现重点用能企业在线监测全覆盖。"

PARAGRAPHS: list[str | tuple[tuple[str, ...], ...]] = [
    INTRO,
    "一、总体进展",
    HEAT,
    HEAT_POWER,
    STEAM,
    ENERGY,
    TABLE,
    PROBLEMS_HEADING,
    PROBLEMS,
    PLANS_HEADING,
    PLAN_CCUS,
    PLAN_MONITOR,
]


def report_layout(*, table: bool = True) -> Layout:
    paragraphs = [item for item in PARAGRAPHS if table or isinstance(item, str)]
    return flow(paragraphs, lines_per_page=LINES_PER_PAGE, title=TITLE)
