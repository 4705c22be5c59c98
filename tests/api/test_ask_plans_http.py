"""The answer plans over HTTP and through the CLI: practices per pilot with 做法/成效,
a table across pilots, traditional characters, and refusals that name what is missing."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.highlight import highlight

runner = CliRunner()


def test_practice_answer_over_http_groups_pilots_with_method_and_effect(http):
    body = http.post("/ask", json={"question": "其他园区是怎么利用余热的？"}).json()
    assert body["found"] and body["plan"] == "practice"
    assert len({p["pilot_id"] for p in body["practices"]}) >= 2
    numbers = {c["n"] for c in body["citations"]}
    for practice in body["practices"]:
        assert practice["method"] and practice["pilot_type"] == "园区"
        cited = [n for s in practice["method"] + practice["effect"] for n in s["citations"]]
        assert cited and set(cited) <= numbers
    assert "做法：" in body["answer"] and "成效：" in body["answer"]
    assert body["groups"] and body["table"] is None


def test_compare_answer_over_http_is_a_ranked_table(http):
    body = http.post("/ask", json={"question": "哪个村的清洁取暖率最高？"}).json()
    assert body["found"] and body["plan"] == "compare"
    rows = body["table"]["rows"]
    assert len(rows) >= 2 and [r["value"] for r in rows] == sorted((r["value"] for r in rows), reverse=True)
    by_number = {c["n"]: c for c in body["citations"]}
    assert all(by_number[r["citation"]]["pilot"] == r["pilot"] for r in rows)
    lines = body["answer"].splitlines()
    assert lines[-len(rows)].startswith("1. ") and rows[0]["pilot"] in lines[-len(rows)]
    assert body["table"]["comparable"] or lines[0].startswith("注意：")


def test_traditional_question_over_http(http):
    simplified = http.post("/ask", json={"question": "乡村试点的屋顶光伏是怎么推广的？"}).json()
    traditional = http.post("/ask", json={"question": "鄉村試點的屋頂光伏是怎麼推廣的？"}).json()
    assert traditional["found"] and traditional["question"] == "鄉村試點的屋頂光伏是怎麼推廣的？"
    assert [p["practice_id"] for p in traditional["practices"]] == [p["practice_id"] for p in simplified["practices"]]


@pytest.mark.parametrize(
    ("question", "missing"), [("有没有企业做电解铝节能降碳的？", "电解铝"), ("光伏股票现在能买吗，怎么开户？", "股票")]
)
def test_refusals_over_http_name_the_missing_words(http, question, missing):
    body = http.post("/ask", json={"question": question}).json()
    assert body["found"] is False and body["practices"] == [] and body["groups"] == []
    assert missing in body["missing"] and missing in body["note"] and body["related"]


def test_typo_correction_is_reported_by_search_and_ask(http):
    body = http.get("/search", params={"q": "鱼热梯级利用", "pilot_type": "园区"}).json()
    assert body["corrections"] == [{"typed": "鱼热", "meant": "余热"}]
    assert "<mark>余热</mark>" in "".join(hit["highlighted"] + hit["highlighted_heading"] for hit in body["results"])
    asked = http.post("/ask", json={"question": "其他园区是怎么利用鱼热的？"}).json()
    assert asked["corrections"] == [{"typed": "鱼热", "meant": "余热"}] and asked["found"]


def test_search_shows_several_pilots_in_its_first_results(http):
    diverse = http.get("/search", params={"q": "余热", "pilot_type": "园区", "top_k": 10}).json()["results"]
    plain = http.get("/search", params={"q": "余热", "pilot_type": "园区", "top_k": 10, "diverse": "false"}).json()
    assert len({hit["pilot_id"] for hit in diverse}) >= 2
    assert len({hit["pilot_id"] for hit in diverse}) >= len({hit["pilot_id"] for hit in plain["results"]})
    assert diverse[0]["chunk_id"] == plain["results"][0]["chunk_id"]  # the best result stays first
    assert all("<mark>" in hit["highlighted"] + hit["highlighted_heading"] for hit in diverse)


def test_highlight_marks_traditional_text_for_a_simplified_term():
    assert highlight("園區回收餘熱發電", ["余热"]) == "園區回收<mark>餘熱</mark>發電"


def test_cli_ask_prints_practices_and_refusals(monkeypatch, settings, kb):
    monkeypatch.setenv("TANLU_DATA_DIR", str(settings.data_dir))
    result = runner.invoke(app, ["ask", "其他園區是怎麼利用餘熱的？", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)  # stdout alone: the JSON, whatever else went to stderr
    assert body["plan"] == "practice" and len({p["pilot_id"] for p in body["practices"]}) >= 2

    result = runner.invoke(app, ["ask", "有没有企业做电解铝节能降碳的？"])
    assert result.exit_code == 0, result.output
    assert "电解铝" in result.output and "最接近的材料" in result.output

    result = runner.invoke(app, ["ask", "乡村试点的屋顶光伏是怎么推广的？"])
    assert result.exit_code == 0 and "做法：" in result.output and "来源" in result.output


def test_a_years_targets_across_pilots_are_tallied_with_each_reports_own_account(http):
    """「2025年目标完成得怎么样，哪家最好」: each pilot's 2025 targets counted (met by the
    year's end), best first, beside the sentence its year-end report counts them with;
    the cards are the targets not met."""
    body = http.post("/ask", json={"question": "凤鸣区和清泉园区2025年目标完成得怎么样，哪家完成得最好？"}).json()
    assert body["found"] and body["plan"] == "status"
    tallies = body["tallies"]
    assert {t["pilot_id"] for t in tallies} == {"city-yinchuan-fengming", "park-ningdong-qingquan"}
    shares = [t["met"] / t["total"] for t in tallies]
    assert shares == sorted(shares, reverse=True)
    by_number = {c["n"]: c for c in body["citations"]}
    for tally in tallies:
        assert tally["year"] == 2025 and 0 <= tally["met"] <= tally["total"]
        assert len(tally["unmet"]) == tally["total"] - tally["met"]
        statement = tally["statement"]
        (n,) = statement["citations"]
        source = by_number[n]
        assert source["doc_id"].startswith(tally["pilot_id"]) and "2025年目标完成情况" in source["heading_path"]
        assert "完成" in statement["text"] and statement["text"] in source["chunk_text"]
        assert f"按规则判定{tally['total']}项中{tally['met']}项已完成" in body["answer"]
    unmet = {(t["pilot_id"], name) for t in tallies for name in t["unmet"]}
    assert {(card["pilot_id"], card["indicator"]) for card in body["targets"]} <= unmet
