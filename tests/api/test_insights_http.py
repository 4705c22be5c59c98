"""Practices, figures over time, similar pilots and the 经验汇编, over real HTTP."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import docx
import pytest

from ingest.domain import FIELDS, PILOT_TYPES


def _document_text(http, doc_id: str) -> str:
    detail = http.get(f"/documents/{quote(doc_id)}").json()
    return "\n".join(section["text"] for section in detail["sections"])


def _section_paths(http, doc_id: str) -> set[str]:
    detail = http.get(f"/documents/{quote(doc_id)}").json()
    return {" > ".join(section["heading_path"]) for section in detail["sections"]}


@pytest.mark.parametrize("pilot_type", PILOT_TYPES)
def test_every_pilot_type_yields_practices_with_real_sources(http, pilot_type):
    practices = http.get("/practices", params={"pilot_type": pilot_type}).json()
    assert len(practices) >= 3, pilot_type
    assert {practice["pilot_type"] for practice in practices} == {pilot_type}
    for practice in practices:
        assert practice["title"] and practice["description"] and practice["sources"]
        for source in practice["sources"]:
            paths = _section_paths(http, source["doc_id"])
            assert any(
                path == source["heading_path"] or path.startswith(source["heading_path"] + " > ") for path in paths
            )


def test_practices_by_free_text_are_ranked_and_relevant(http):
    practices = http.get("/practices", params={"q": "余热梯级利用", "pilot_type": "园区", "limit": 5}).json()
    assert practices and practices[0]["score"] >= practices[-1]["score"]
    assert "余热" in practices[0]["title"] + practices[0]["description"]


def test_field_filter_and_merged_sources(http):
    practices = http.get("/practices", params={"field": "科技支撑"}).json()
    assert practices and all("科技支撑" in practice["fields"] for practice in practices)
    merged = http.get("/practices", params={"pilot_id": "park-ningdong-qingquan"}).json()
    assert any(len({source["doc_id"] for source in practice["sources"]}) >= 3 for practice in merged)


def test_pilot_page_has_documents_by_period_and_indicator_series(http):
    page = http.get("/pilots/park-ningdong-qingquan").json()
    assert {"2024H2", "2025H1"} <= set(page["documents_by_period"])
    series = [item for item in page["indicators"] if len(item["points"]) >= 2]
    assert len(series) >= 3
    periods = sorted(page["documents_by_period"])
    texts = {
        period: _document_text(http, f"park-ningdong-qingquan/report-{period}") for period in periods if "H" in period
    }
    kinds = {item["period_kind"] for item in series}
    assert {"半年", "全年"} <= kinds and kinds <= {"半年", "全年", "累计", "基期"}
    for item in series:
        # One kind a series: its periods are all half-years, or all years.
        periods = [point["period"] for point in item["points"]]
        assert len(set(periods)) == len(periods)
        if item["period_kind"] == "全年":
            assert all(period.isdigit() for period in periods), item
        else:
            assert all("H" in period for period in periods), item
        assert len({point["unit"] for point in item["points"]}) == 1
        for point in item["points"]:
            report = point["doc_id"].rsplit("-", 1)[-1]
            assert point["sentence"] and report in texts and point["period"][:4] <= report[:4]
            number = re.sub(r"\.0$", "", str(point["written"]).replace(",", ""))
            number = re.match(r"[\d.]+", number)[0]
            assert number in texts[report].replace(",", "")  # 8,580 is written with a separator
    assert page["practices"] and all(p["pilot_id"] == "park-ningdong-qingquan" for p in page["practices"])


def test_similar_pilots_come_with_reasons(http):
    similar = http.get("/pilots/park-ningdong-qingquan/similar", params={"limit": 4}).json()
    assert len(similar) == 4 and "park-ningdong-qingquan" not in {item["pilot_id"] for item in similar}
    assert [item["score"] for item in similar] == sorted((item["score"] for item in similar), reverse=True)
    assert all(item["reasons"] for item in similar)
    assert similar[0]["pilot_type"] == "园区" or similar[0]["region"] == "宁东能源化工基地"
    assert any(match["doc_ids"] for item in similar for match in item["practice_matches"])
    assert http.get("/pilots/nobody/similar").status_code == 404


def test_similar_to_a_free_text_profile(http):
    similar = http.post("/similar", json={"profile": "煤化工为主的省级园区，余热资源丰富", "limit": 3}).json()
    assert similar[0]["pilot_type"] == "园区"
    assert any("园区" in reason for reason in similar[0]["reasons"])
    response = http.post("/similar", json={"profile": ""})
    assert response.status_code == 422 and response.json()["parameter"] == "profile"


def _heading_texts(document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def test_compile_word_contains_every_selected_practice_and_no_other(http):
    listed = http.get("/practices", params={"pilot_type": "园区", "limit": 200}).json()
    expected = [p for p in listed if not p["routine"]]
    assert expected and len(expected) < len(listed), "the park pilots report routine items too"
    response = http.post("/compile", json={"pilot_types": ["园区"], "format": "docx"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    document = docx.Document(io.BytesIO(response.content))
    assert document.paragraphs[_first_text(document)].style.name == "Title"
    fields = [re.sub(r"^[一二三四五六七八九十]+、", "", h) for h in _heading_texts(document, 1)]
    assert fields[-1] == "参考来源" and fields[:-1] == sorted({p["field"] for p in expected}, key=list(FIELDS).index), (
        "one level-1 group per field the practices' own text gives, in the plan's order"
    )
    assert set(_heading_texts(document, 2)) == {"（一）园区类试点"}
    practice_headings = _heading_texts(document, 3)
    titles = sorted(re.sub(r"^\d+\. ", "", heading) for heading in practice_headings)
    assert titles == sorted(p["title"] for p in expected)
    references = [p.text for p in document.paragraphs if re.match(r"^\[\d+\] ", p.text)]
    sources = {(s["doc_id"], s["heading_path"]) for p in expected for s in p["sources"]}
    assert len(references) == len(sources)
    assert all(any(s[0] in ref for s in sources) for ref in references)


def _first_text(document) -> int:
    return next(index for index, p in enumerate(document.paragraphs) if p.text.strip())


def test_compile_markdown_and_refusals(http):
    response = http.post("/compile", json={"pilot_types": ["乡村"], "fields": ["绿色低碳农业"], "format": "markdown"})
    assert response.status_code == 200
    text = response.text
    listed = http.get("/practices", params={"pilot_type": "乡村", "limit": 200}).json()
    expected = [p for p in listed if p["field"] == "绿色低碳农业" and not p["routine"]]
    assert expected and all(p["title"] in text for p in expected)
    assert not [p["title"] for p in listed if p["field"] != "绿色低碳农业" and f"{p['title']}（" in text]
    assert "## 参考来源" in text and "[1]" in text and "## 前言" in text
    bad = http.post("/compile", json={"fields": ["航天"]})
    assert bad.status_code == 422 and bad.json()["parameter"] == "fields"
    empty = http.post("/compile", json={"practice_ids": ["no-such-practice"], "format": "markdown"})
    assert empty.status_code == 422 and "没有可汇编的经验做法" in empty.json()["detail"]


def test_a_compile_for_a_period_cites_and_quotes_only_that_period(http):
    """A 2025 汇编 cited a practice's 2026 reports beside its 2025 ones, listed
    「发电量：1.18亿千瓦时（2026H1）」 as 成效, and its 前言 said 「材料时间为2024年至2026年上半年」."""
    response = http.post("/compile", json={"pilot_types": ["园区"], "periods": ["2025"], "format": "markdown"})
    assert response.status_code == 200
    text = response.text
    body, _, references = text.partition("## 参考来源")
    assert references and "2026H1" not in references and "report-2026H1" not in references
    assert "2024H" not in references
    effects = [line for line in body.splitlines() if "成效" in line or re.search(r"（20\d\dH[12]）", line)]
    assert effects and not [line for line in effects if "（2026" in line or "（2024" in line], effects
    assert "材料时间为2025年" in text


def test_figures_check_lists_each_problem_with_its_documents(http):
    check = http.get("/figures/check").json()
    assert check["series"] > 0 and check["figures"] >= check["series"]
    assert check["unexplained"] == sum(not item["explained"] for item in check["items"])
    for item in check["items"]:
        assert item["kind"] in ("跳变", "单位冲突", "名称相近", "时期冲突", "时期超出", "目标无法读取")
        assert item["explained"] == bool(item["explanation"])
        assert item["doc_ids"] and all(http.get(f"/documents/{quote(d)}").status_code == 200 for d in item["doc_ids"])
