"""The API over real HTTP (uvicorn on 127.0.0.1) against the real knowledge base."""

from __future__ import annotations

from urllib.parse import quote

from api.schemas import SearchResponse
from ingest.domain import PILOT_TYPES


def test_health_and_openapi_docs(http):
    health = http.get("/health").json()
    assert health["status"] == "ok" and health["documents"] > 16 and health["chunks"] > 100
    assert http.get("/docs").status_code == 200
    paths = http.get("/openapi.json").json()["paths"]
    assert {"/search", "/documents", "/documents/{doc_id}", "/pilots", "/health"} <= set(paths)


def test_search_returns_cited_highlighted_results(http):
    body = http.get("/search", params={"q": "余热梯级利用有哪些做法", "top_k": 5}).json()
    assert body["total"] == 5 and body["mode"] == "hybrid"
    first = body["results"][0]
    for key in ("text", "score", "pilot", "pilot_type", "title", "doc_id", "heading_path", "matched_terms"):
        assert first[key] not in (None, ""), key
    assert "<mark>" in first["highlighted"] and first["matched_terms"]
    assert all(
        "<mark>" + term in first["highlighted"].lower() + first["highlighted_heading"].lower()
        or term in first["text"].lower() + first["heading_path"].lower()
        for term in first["matched_terms"]
    )


def test_search_body_is_the_documented_response_model(http):
    """The route writes its JSON itself (api/routes/search.py), so FastAPI no longer checks
    it against the documented model: the body must be exactly what the model dumps."""
    response = http.get("/search", params={"q": "園區餘熱怎麼利用", "pilot_type": "园区", "top_k": 3})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["results"] and body["filters"] == {"pilot_type": "园区"}
    assert SearchResponse.model_validate(body).model_dump(mode="json") == body


def test_every_pilot_type_filter_over_http(http):
    for pilot_type in PILOT_TYPES:
        body = http.get("/search", params={"q": "试点建设的经验", "pilot_type": pilot_type, "top_k": 10}).json()
        assert body["results"], pilot_type
        assert {hit["pilot_type"] for hit in body["results"]} == {pilot_type}
        assert body["filters"] == {"pilot_type": pilot_type}


def test_empty_query_is_a_clear_400(http):
    response = http.get("/search", params={"q": "   "})
    assert response.status_code == 400
    assert response.json()["parameter"] == "q" and "不能为空" in response.json()["detail"]


def test_invalid_parameters_are_422_in_chinese_naming_the_parameter(http):
    cases = [
        ({"q": "光伏", "pilot_type": "工厂"}, "pilot_type"),
        ({"q": "光伏", "top_k": 0}, "top_k"),
        ({"q": "光伏", "top_k": "多"}, "top_k"),
        ({"q": "光伏", "year": "明年"}, "year"),
        ({"q": "光伏", "mode": "magic"}, "mode"),
        ({}, "q"),
    ]
    for params, parameter in cases:
        response = http.get("/search", params=params)
        assert response.status_code == 422, params
        body = response.json()
        assert body["parameter"] == parameter and parameter in body["detail"], body
        assert any("\u4e00" <= char <= "\u9fff" for char in body["detail"])


def test_documents_list_filter_and_full_text_with_sections(http):
    documents = http.get("/documents", params={"pilot_type": "园区"}).json()
    assert documents and {doc["pilot_type"] for doc in documents} == {"园区"}
    doc_id = "park-ningdong-qingquan/report-2025H1"
    detail = http.get(f"/documents/{quote(doc_id)}").json()
    assert detail["doc_id"] == doc_id and detail["period"] == "2025H1" and detail["demo"] is True
    headings = [" > ".join(section["heading_path"]) for section in detail["sections"]]
    assert any(heading.startswith("一、") and " > （一）" in heading for heading in headings)
    assert all(section["anchor"].startswith("s-") for section in detail["sections"])
    missing = http.get("/documents/no/such-doc")
    assert missing.status_code == 404 and "no/such-doc" in missing.json()["detail"]


def test_pilots_list_every_pilot_with_counts(http, subset_corpus):
    pilots = http.get("/pilots").json()
    assert len(pilots) == 16
    by_id = {pilot["pilot_id"]: pilot for pilot in pilots}
    files = sorted(path.name for path in (subset_corpus / "park-ningdong-qingquan").glob("*.md"))
    reports = [name for name in files if name.startswith("report-")]
    assert len(reports) >= 4  # a report every half year, 2024H2 to 2026H1
    assert by_id["park-ningdong-qingquan"]["document_count"] == len(files)
    assert by_id["park-ningdong-qingquan"]["doc_types"] == {"实施方案": 1, "进展报告": len(reports), "经验总结": 1}
    assert sorted({pilot["pilot_type"] for pilot in pilots}) == sorted(PILOT_TYPES)
    detail = http.get("/pilots/park-ningdong-qingquan").json()
    assert detail["documents"][0]["doc_type"] == "实施方案"
    assert http.get("/pilots/nobody").status_code == 404
