"""HTML pages: main text and headings kept, scripts and page furniture dropped."""

import os

import pytest

from ingest.documents import FormatError
from ingest.formats.html import parse
from ingest.loader import parse_file
from tests.conftest import small_kb

TITLE = "贺兰山示范园区碳达峰实施方案"

PAGE = """<!DOCTYPE html>
<html><head>{meta}<title>贺兰山示范园区碳达峰实施方案_通知公告_贺兰山市人民政府（演示）</title>
<style>.notice {{ color: red }} /* 样式表文字 */</style>
<script>var banner = "脚本文字不应出现";</script></head>
<body class="has-sidebar">
<div id="top-nav"><a href="/">网站首页</a> | <a href="/zw">政务公开</a></div>
<nav><ul><li>导航栏目一</li><li>导航栏目二</li></ul></nav>
<div class="breadcrumb">当前位置：首页 &gt; 通知公告</div>
<div class="article-body">
<h1>贺兰山示范园区碳达峰实施方案</h1>
<p>一、总体要求</p>
<p>（一）主要目标。到２０２５年，园区单位工业增加值能耗较2020年下降15%，
可再生能源装机达到35万千瓦。</p>
<table border="1">
<thead><tr><th>指标</th><th>单位</th><th colspan="2">目标值</th></tr>
<tr><th></th><th></th><th>2025年</th><th>2030年</th></tr></thead>
<tbody><tr><td rowspan="2">能耗下降</td><td>%</td><td>15</td><td>25</td></tr>
<tr><td>万吨标准煤</td><td>3</td><td>6</td></tr></tbody></table>
<h2>二、重点任务</h2>
<div>（一）推进余热利用。<br>园区建成蒸汽管网12公里。<br>1.实施余热回收工程。</div>
<ol><li>建设光伏电站</li><li><p>建设储能设施</p></li></ol>
<ul><li>屋顶光伏</li></ul>
</div>
<aside>相关链接：其他文件</aside>
<div class="sidebar-box">侧栏热点信息</div>
<form class="search"><input name="q" value="搜索框文字"><button>搜索按钮</button></form>
<div class="footer">版权所有：贺兰山市人民政府 网站标识码</div>
<div style="display: none">隐藏文本</div>
<noscript>请启用脚本</noscript>
<!-- 注释文字 -->
</body></html>
"""

OUTLINE = [
    (
        (TITLE, "一、总体要求", "（一）主要目标"),
        [
            "（一）主要目标。到2025年，园区单位工业增加值能耗较2020年下降15%，可再生能源装机达到35万千瓦。",
            "指标：能耗下降；单位：%；目标值（2025年）：15；目标值（2030年）：25。",
            "单位：万吨标准煤；目标值（2025年）：3；目标值（2030年）：6。",
        ],
    ),
    ((TITLE, "二、重点任务", "（一）推进余热利用"), ["（一）推进余热利用。园区建成蒸汽管网12公里。"]),
    ((TITLE, "二、重点任务", "（一）推进余热利用", "1.实施余热回收工程"), ["1.实施余热回收工程。"]),
    ((TITLE, "二、重点任务", "（一）推进余热利用", "1.建设光伏电站"), ["1.建设光伏电站"]),
    ((TITLE, "二、重点任务", "（一）推进余热利用", "2.建设储能设施"), ["2.建设储能设施", "屋顶光伏"]),
]

CHROME = [
    "脚本文字",
    "样式表文字",
    "网站首页",
    "导航栏目",
    "当前位置",
    "相关链接",
    "侧栏热点",
    "搜索",
    "版权所有",
    "隐藏文本",
    "请启用脚本",
    "注释文字",
]

SIDECAR = """pilot: 贺兰山示范园区
pilot_id: demo-helanshan-park
pilot_type: 园区
region: 银川市
doc_type: 实施方案
period: 2025H1
demo: true
"""


def _outline(body):
    return [(section.heading_path, section.blocks) for section in body.sections]


def _all_text(body) -> str:
    return "\n".join(text for section in body.sections for text in (*section.heading_path, *section.blocks))


@pytest.mark.parametrize(
    ("meta", "encoding"),
    [
        ('<meta charset="gbk">', "gbk"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "gb18030"),
        ("", "gbk"),
        ("", "utf-8"),
        ('<meta charset="utf-8">', "utf-8-sig"),
    ],
    ids=["meta-gbk", "http-equiv-gb2312", "undeclared-gbk", "undeclared-utf8", "bom"],
)
def test_page_text_headings_and_tables_without_chrome(meta, encoding):
    body = parse(PAGE.format(meta=meta).encode(encoding))
    assert body.title == TITLE
    assert _outline(body) == OUTLINE
    text = _all_text(body)
    for chrome in CHROME:
        assert chrome not in text, chrome


def test_big5_page_stays_traditional():
    page = (
        "<html><head><title>賀蘭山示範園區進展報告</title></head><body><p>一、工作進展</p>"
        "<p>（一）推進餘熱利用。園區建成蒸汽管網12公里。</p></body></html>"
    )
    body = parse(page.encode("big5"))
    assert body.title == "賀蘭山示範園區進展報告"
    assert _outline(body) == [
        (("一、工作進展", "（一）推進餘熱利用"), ["（一）推進餘熱利用。園區建成蒸汽管網12公里。"])
    ]


def test_a_page_wrapped_in_one_form_and_laid_out_with_tables_is_read():
    page = """<html><head><meta charset="utf-8"><title>贺兰山示范园区经验总结 - 贺兰山市发展和改革委员会</title></head>
    <body><form id="form1" method="post"><div class="header">网站头部 LOGO</div>
    <table class="layout"><tr><td class="left-menu">栏目菜单</td><td>
      <p>一、主要做法</p><p>（一）推进余热利用。园区建成蒸汽管网12公里。</p>
      <table><tr><th>指标</th><th>数值</th></tr><tr><td>余热回收量</td><td>1.2万吨标准煤</td></tr></table>
    </td></tr></table></form></body></html>"""
    body = parse(page.encode("utf-8"))
    assert body.title == "贺兰山示范园区经验总结"
    assert _outline(body) == [
        (
            ("一、主要做法", "（一）推进余热利用"),
            ["（一）推进余热利用。园区建成蒸汽管网12公里。", "指标：余热回收量；数值：1.2万吨标准煤。"],
        ),
    ]
    assert "网站头部" not in _all_text(body) and "栏目菜单" not in _all_text(body)


def test_only_the_main_element_is_read_when_there_is_one():
    page = """<html><body><div>页面顶部的推广文字</div><main><h2>一、基本情况</h2><p>园区规划面积32平方公里。</p></main>
    <div>页面底部的推广文字</div></body></html>"""
    body = parse(page.encode("utf-8"))
    assert body.title == ""
    assert _outline(body) == [(("一、基本情况",), ["园区规划面积32平方公里。"])]


def test_a_site_logo_h1_is_not_the_title_and_a_script_revealed_body_is_read():
    page = """<html><head><title>贺兰山示范园区经验总结_贺兰山市人民政府</title></head>
    <body style="display:none"><h1>贺兰山市人民政府</h1><p>一、主要做法</p><p>园区推进余热利用。</p></body></html>"""
    body = parse(page.encode("utf-8"))
    assert body.title == "贺兰山示范园区经验总结"
    assert _outline(body) == [(("贺兰山市人民政府", "一、主要做法"), ["园区推进余热利用。"])]


def test_binary_with_an_html_name_is_refused():
    with pytest.raises(FormatError, match=r"^不是文本文件（"):
        parse(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(512))


def test_html_through_the_loader_and_the_knowledge_base(tmp_path):
    folder = tmp_path / "corpus" / "helanshan"
    folder.mkdir(parents=True)
    (folder / "plan.html").write_bytes(PAGE.format(meta='<meta charset="gbk">').encode("gbk"))
    (folder / "plan.html.meta.yaml").write_text(SIDECAR, encoding="utf-8")
    document, report = parse_file(folder / "plan.html")
    assert report.ok and document.meta.title == TITLE
    # The h1 repeats the title, so the loader takes it out of every heading path.
    assert [section.heading_path for section in document.sections] == [path[1:] for path, _ in OUTLINE]
    kb = small_kb(tmp_path / "data")
    try:
        ingest = kb.ingest([tmp_path / "corpus"])
        assert not ingest.errors and ingest.added == 1
        hits = kb.search("蒸汽管网", top_k=3)
        assert hits and "园区建成蒸汽管网12公里" in hits[0].record.text
        assert hits[0].record.doc_id == "demo-helanshan-park/plan"
        assert all("导航栏目" not in record.text for record in kb.catalog.chunks())
    finally:
        kb.close()
