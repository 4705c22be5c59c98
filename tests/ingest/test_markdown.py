"""Markdown headings and official numbering together give heading paths; tables keep headers."""

import pytest

from ingest.formats.markdown import FrontMatterError, markdown_sections, split_front_matter
from ingest.formats.sections import plain_text_sections

BODY = """# 示范园区碳达峰试点经验总结
## 一、基本情况
园区位于宁东。

## 二、主要做法
### （一）余热梯级利用
1. 建设蒸汽管网。投资1.2亿元。

（1）低压蒸汽。供给下游企业。

## 三、主要指标
| 指标 | 单位 | 年度目标 | 完成值 |
| --- | --- | --- | --- |
| 绿电消费占比 | % | 45 | 39.8 |

四、存在问题
（一）资金不足。融资渠道单一。
"""


def _paths():
    return {section.heading_path: section.blocks for section in markdown_sections(BODY)}


def test_markdown_headings_and_numbered_paragraphs_nest():
    paths = _paths()
    assert ("示范园区碳达峰试点经验总结", "二、主要做法", "（一）余热梯级利用", "1. 建设蒸汽管网") in paths
    assert (
        "示范园区碳达峰试点经验总结",
        "二、主要做法",
        "（一）余热梯级利用",
        "1. 建设蒸汽管网",
        "（1）低压蒸汽",
    ) in paths


def test_plain_numbered_paragraph_is_sibling_of_numbered_markdown_heading():
    assert ("示范园区碳达峰试点经验总结", "四、存在问题", "（一）资金不足") in _paths()


def test_table_rows_keep_their_header():
    rows = _paths()[("示范园区碳达峰试点经验总结", "三、主要指标")]
    assert rows == ["指标：绿电消费占比；单位：%；年度目标：45；完成值：39.8。"]


def test_numbering_only_plain_text_gets_heading_paths():
    text = (
        "宁夏碳达峰试点建设方案\n一、总体要求\n（一）指导思想。以新思想为指导。\n（二）基本原则。\n"
        "——坚持积极稳妥。\n二、建设内容\n（一）确定试点任务。试点主体要梳理基础。"
    )
    paths = {section.heading_path: section.blocks for section in plain_text_sections(text)}
    assert paths[("一、总体要求", "（一）指导思想")] == ["（一）指导思想。以新思想为指导。"]
    assert paths[("一、总体要求", "（二）基本原则")] == ["（二）基本原则。", "——坚持积极稳妥。"]
    assert ("二、建设内容", "（一）确定试点任务") in paths


def test_front_matter_errors_say_what_is_wrong():
    with pytest.raises(FrontMatterError, match="front matter"):
        split_front_matter("没有元数据的正文")
    with pytest.raises(FrontMatterError, match="YAML"):
        split_front_matter("---\ntitle: [未闭合\n---\n正文")
