"""Excel exports over real HTTP: practices, search results and figures, each row with its
source columns and a working link back to the section on the page."""

from __future__ import annotations

import io

import openpyxl
import pytest

from api.exports import XLSX_TYPE, Column, workbook


def _sheet(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX_TYPE
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (cell.value for cell in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    links = [row[-1].hyperlink.target if row[-1].hyperlink else None for row in sheet.iter_rows(min_row=2)]
    return header, rows, links


def _opens_its_section(http, server, link: str) -> None:
    """The link is the page's address of a section of a document the API knows."""
    assert link.startswith(f"{server}/#/doc/") and "?section=s-" in link
    doc_id = link.split("/#/doc/")[1].split("?")[0]
    assert http.get(f"/documents/{doc_id}").status_code == 200


def test_practices_workbook_has_a_row_per_practice_with_sources_and_links(http, server):
    listed = http.get("/practices", params={"pilot_type": "园区", "limit": 200}).json()
    header, rows, links = _sheet(http.get("/export/practices.xlsx", params={"pilot_type": "园区"}))
    assert {"领域（按做法内容）", "可复制性评分", "来源文档", "来源章节", "原文链接"} <= set(header)
    assert sorted(row["做法编号"] for row in rows) == sorted(p["practice_id"] for p in listed)
    by_id = {p["practice_id"]: p for p in listed}
    for row, link in zip(rows, links, strict=True):
        practice = by_id[row["做法编号"]]
        assert row["试点类型"] == "园区" and row["领域（按做法内容）"] == practice["field"]
        assert row["可复制性评分"] == practice["value_score"] and row["来源数"] == len(practice["sources"])
        assert row["来源章节"] == practice["sources"][0]["heading_path"] and link == row["原文链接"]
    _opens_its_section(http, server, links[0])


def test_search_workbook_follows_the_search_order(http, server):
    found = http.get("/search", params={"q": "余热利用", "top_k": 5, "diverse": "false"}).json()["results"]
    _, rows, links = _sheet(http.get("/export/search.xlsx", params={"q": "余热利用", "top_k": 5}))
    assert len(rows) == 5 and [row["名次"] for row in rows] == [1, 2, 3, 4, 5]
    assert {row["文档编号"] for row in rows} & {hit["doc_id"] for hit in found}
    assert all(row["原文"] and row["试点"] and row["章节"] for row in rows)
    for link in links:
        _opens_its_section(http, server, link)
    empty = http.get("/export/search.xlsx", params={"q": "  "})
    assert empty.status_code == 400 and "查询内容不能为空" in empty.json()["detail"]


def test_figures_workbook_filters_and_cites_each_figure(http, server):
    _, rows, links = _sheet(http.get("/export/figures.xlsx", params={"pilot_type": "园区"}))
    assert len(rows) >= 20
    assert {row["试点类型"] for row in rows} == {"园区"}
    assert all(row["原文写法"] in row["原句"].replace(" ", "") or row["原句"] for row in rows)
    with_section = [link for link in links if link]
    assert len(with_section) == len(rows)
    _opens_its_section(http, server, with_section[0])
    bad = http.get("/export/figures.xlsx", params={"pilot_type": "航天"})
    assert bad.status_code == 422 and bad.json()["parameter"] == "pilot_type"


@pytest.mark.parametrize("text", ["=1+1", '=HYPERLINK("http://x")', "+86 951", "余热"])
def test_document_text_never_becomes_a_formula(text):
    content = workbook("表", [Column("原文", 20)], [[text]])
    cell = openpyxl.load_workbook(io.BytesIO(content)).active["A2"]
    assert cell.value == text and cell.data_type == "s"
