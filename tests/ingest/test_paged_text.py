"""The layout logic PDF and OFD share: page furniture, paragraph joining, titles,
scanned-page checks (ingest/formats/page_furniture.py, ingest/formats/paged.py)."""

from __future__ import annotations

import pytest

from ingest.documents import FormatError
from ingest.formats.page_furniture import furniture, is_page_number
from ingest.formats.paged import Line, Page, check_text_layer, page_ranges, paged_sections

SIZE = 12.0
LEFT, RIGHT = 90.0, 510.0  # a 35-character text block


def line(text: str, row: int, *, indent: bool = False, size: float = SIZE, centre: bool = False) -> Line:
    width = len(text) * size
    x0 = (600 - width) / 2 if centre else LEFT + (2 * size if indent else 0)
    top = 80 + row * 1.6 * SIZE
    return Line(text, x0, x0 + width, top, top + size, size)


def typeset(paragraphs: list[str], *, indent: bool, per_line: int = 35) -> list[Line]:
    """Lines of the paragraphs filled to the text block, as a word processor sets them."""
    lines: list[Line] = []
    for paragraph in paragraphs:
        first = True
        while paragraph:
            room = per_line - (2 if first and indent else 0)
            lines.append(line(paragraph[:room], len(lines), indent=first and indent))
            paragraph, first = paragraph[room:], False
    return lines


def texts(result) -> list[tuple[tuple[str, ...], str, int]]:
    return [
        (section.heading_path, block, section.page_of(index))
        for section in result.sections
        for index, block in enumerate(section.blocks)
    ]


@pytest.mark.parametrize(
    "text",
    ["- 3 -", "—3—", "3", "第 3 页", "第3页 共10页", "共 10 页 第 3 页", "3/10", "Page 3 of 10", "第三页"],
)
def test_page_number_lines_in_common_styles(text):
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["2025年", "一、总体进展", "3.5万千瓦", "第3批试点"])
def test_text_is_not_taken_for_a_page_number(text):
    assert not is_page_number(text)


def test_alternating_headers_and_a_cover_without_one_are_furniture():
    bodies = ["园区概况。", "余热利用。", "光伏建设。", "储能电站。", "碳排放监测。", "存在问题。", "下一步安排。"]
    pages = [["封面标题", bodies[0]]]
    for number in range(2, 8):
        header = "贺兰山示范园区进展报告" if number % 2 else "二〇二五年上半年"
        pages.append([header, bodies[number - 1], f"- {number} -"])
    assert furniture(pages) == [(0, 0)] + [(1, 1)] * 6


def test_a_line_repeated_on_few_pages_stays():
    pages = [["同一句话出现在两页顶部。", "正文一。"], ["同一句话出现在两页顶部。", "正文二。"]]
    pages += [[f"其他正文{number}。", "结尾。"] for number in range(3, 7)]
    assert furniture(pages)[0] == (0, 0)


def test_wrapped_lines_become_paragraphs_without_first_line_indent():
    paragraphs = [
        "一、总体进展",
        "园区建成焦化、电石余热回收项目3个，年回收余热折合标准煤1.2万吨，带动入园企业降低生产成本约860万元，相关经验已在全区推广。",
        "（一）推进余热梯级利用",
        "新建蒸汽管网14公里，替代企业自备燃煤锅炉6台，年减少二氧化碳排放约3万吨，园区集中供热覆盖率达到90%。",
    ]
    result = paged_sections([Page(1, 600, 800, typeset(paragraphs, indent=False))], "PDF")
    assert texts(result) == [
        (("一、总体进展",), paragraphs[1], 1),
        (("一、总体进展", "（一）推进余热梯级利用"), paragraphs[3], 1),
    ]


def test_indented_document_joins_a_line_that_only_looks_numbered():
    # The wrap puts 「2、3号机组…」 at the start of a line; in a document whose paragraphs
    # start indented, an unindented line is a continuation, not item 2.
    first = "（一）推进余热梯级利用。园区完成焦化余热改造，1号机组于三月并网，"
    assert len(first) == 33  # fills the first line after its two-character indent
    paragraphs = [
        first + "2、3号机组正在调试，预计九月投运。",
        "园区新建蒸汽管网14公里，替代企业自备燃煤锅炉6台。",
        "另有屋顶光伏项目在建。",
        "下半年将推进储能电站建设。",
    ]
    result = paged_sections([Page(1, 600, 800, typeset(paragraphs, indent=True))], "PDF")
    assert [block for _, block, _ in texts(result)] == paragraphs
    assert {path for path, _, _ in texts(result)} == {("（一）推进余热梯级利用",)}


def replace_row(item: Line, row: int) -> Line:
    top = 80 + row * 1.6 * SIZE
    return Line(item.text, item.x0, item.x1, top, top + SIZE, item.size)


def test_latin_words_wrapped_over_lines_keep_their_space():
    text = "园区引入碳排放管理系统，采用 carbon accounting 方法核算全部排放源，" + "并按月发布核算结果。"
    lines = [
        Line("园区引入碳排放管理系统，采用 carbon", LEFT, RIGHT, 80, 92, SIZE),
        Line("accounting 方法核算全部排放源，并按月发布核算结果。", LEFT, 400, 100, 112, SIZE),
    ]
    result = paged_sections([Page(1, 600, 800, lines)], "PDF")
    assert [block for _, block, _ in texts(result)] == [text]


def test_title_is_the_large_line_not_the_issuing_authority_header():
    body = [
        "各有关单位：",
        "现将贺兰山示范园区碳达峰试点2025年上半年工作进展情况通报如下，请结合实际参照执行。",
        "园区建成余热回收项目3个，年回收余热折合标准煤1.2万吨。",
    ]
    lines = [
        line("宁夏回族自治区发展和改革委员会文件", 0, size=26, centre=True),
        line("宁发改〔2025〕12号", 2, centre=True),
        line("关于贺兰山示范园区试点进展的通报", 3, size=22, centre=True),
        *[replace_row(item, row) for row, item in enumerate(typeset(body, indent=True), start=5)],
    ]
    result = paged_sections([Page(1, 600, 800, lines)], "PDF")
    assert result.title == "关于贺兰山示范园区试点进展的通报"
    assert [block for _, block, _ in texts(result)] == [
        "宁夏回族自治区发展和改革委员会文件",
        "宁发改〔2025〕12号",
        *body,
    ]


def test_empty_pages_are_reported():
    text_page = Page(1, 600, 800, [line("正文。", 0)])
    with pytest.raises(FormatError, match=r"^PDF 没有文字层"):
        check_text_layer([Page(1, 600, 800), Page(2, 600, 800)], "PDF")
    with pytest.raises(FormatError, match="第2–3页没有文字层"):
        check_text_layer([text_page, Page(2, 600, 800), Page(3, 600, 800)], "OFD")
    check_text_layer([text_page, Page(2, 600, 800)], "PDF")  # one blank page in two is normal
    assert page_ranges([7, 2, 3, 4, 9]) == "2–4、7、9"


def test_pages_with_only_stamped_page_numbers_are_a_scan():
    pages = [Page(number, 600, 800, [line(f"- {number} -", 40)]) for number in (1, 2, 3)]
    with pytest.raises(FormatError, match=r"^OFD 没有文字层"):
        paged_sections(pages, "OFD")
