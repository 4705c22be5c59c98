"""POST /retrieval driven exactly as Dify drives it, over real HTTP against the real index.

Request bodies follow Dify's published description of the external knowledge API
(/work/shared/DIFY-EXTERNAL-KNOWLEDGE.md): the registration probe (the key, no body),
queries with a score threshold (0.0 meaning "off"), metadata conditions with and/or,
bad keys and an unknown knowledge base.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.app import create_app
from api.dify_conditions import document_day
from tests.live_server import serving

KEYS = ("dify-key-one-7f3a", "dify-key-two-91c2")
NAMED_SET = "园区节能"
QUERY = "余热梯级利用有哪些做法"


@pytest.fixture(scope="module")
def dify(settings, kb):
    """A server with two Dify keys and one named knowledge set, over the session index."""
    configured = settings.model_copy(
        update={
            "dify_api_keys": settings.dify_api_keys.__class__(",".join(KEYS)),
            "dify_knowledge_sets": {NAMED_SET: {"pilot_type": "园区", "field": "节能降碳增效"}},
        }
    )
    with serving(create_app(configured, kb)) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        yield client


def post(client: httpx.Client, body: dict | None = None, key: str | None = KEYS[1], **headers) -> httpx.Response:
    if key is not None:
        headers.setdefault("Authorization", f"Bearer {key}")
    if body is None:
        return client.post("/retrieval", headers=headers)
    return client.post("/retrieval", json=body, headers=headers)


def query(knowledge_id: str = "all", top_k: int = 5, threshold: float = 0.0, text: str = QUERY, **extra) -> dict:
    """A body as Dify sends it (score_threshold 0.0 when the threshold is switched off)."""
    return {
        "knowledge_id": knowledge_id,
        "query": text,
        "retrieval_setting": {"top_k": top_k, "score_threshold": threshold},
        **extra,
    }


def records(response: httpx.Response) -> list[dict]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"records"}
    for record in body["records"]:
        assert set(record) == {"content", "score", "title", "metadata"}
        assert record["content"] and record["title"] and 0.0 <= record["score"] <= 1.0
        assert isinstance(record["metadata"], dict)  # never null: Dify's pipeline fails on null
    return body["records"]


def condition(*conditions: tuple, logical_operator: str = "and") -> dict:
    return {
        "logical_operator": logical_operator,
        "conditions": [{"name": n, "comparison_operator": o, "value": v} for n, o, v in conditions],
    }


# -- registration and keys -----------------------------------------------------------------
def test_registration_probe_with_a_valid_key_and_no_body_answers_200_with_no_records(dify):
    assert records(post(dify)) == []
    # Some clients send the JSON content type with the empty body.
    assert records(post(dify, **{"Content-Type": "application/json"})) == []
    assert records(post(dify, key=KEYS[0])) == []


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, 1001),
        ({"Authorization": "dify-key-one-7f3a"}, 1001),
        ({"Authorization": "Basic ZGlmeTprZXk="}, 1001),
        ({"Authorization": "Bearer"}, 1001),
        ({"Authorization": "Bearer not-a-key"}, 1002),
        ({"Authorization": f"Bearer {KEYS[0]}x"}, 1002),
    ],
    ids=["missing", "no-scheme", "basic", "empty", "wrong", "longer"],
)
def test_bad_keys_are_refused_in_difys_error_format(dify, headers, code):
    for body in (None, query()):
        response = post(dify, body, key=None, **headers)
        assert response.status_code == 403, response.text  # Dify refuses to save the endpoint on 403
        error = response.json()
        assert error["error_code"] == code and ("Authorization" if code == 1001 else "API Key") in error["error_msg"]
        assert set(error) == {"error_code", "error_msg"}


def test_without_configured_keys_the_endpoint_says_how_to_switch_it_on(http):
    response = http.post("/retrieval", json=query(), headers={"Authorization": "Bearer anything"})
    assert response.status_code == 403
    assert response.json() == {"error_code": 1002, "error_msg": response.json()["error_msg"]}
    assert "TANLU_DIFY_API_KEYS" in response.json()["error_msg"]


# -- queries --------------------------------------------------------------------------------
def test_a_query_returns_cited_records_that_link_to_their_section(dify):
    found = records(post(dify, query(top_k=4)))
    assert 1 <= len(found) <= 4
    assert any("余热" in record["content"] for record in found)
    # The same passages, in the same (pilot-diversified) order, as the API's own search.
    searched = dify.get("/search", params={"q": QUERY, "top_k": 4}).json()["results"]
    assert [record["content"] for record in found] == [hit["text"] for hit in searched]
    for record in found:
        meta = record["metadata"]
        for key in ("pilot", "pilot_type", "doc_type", "period", "heading_path", "doc_id", "url"):
            assert key in meta, key
        assert meta["pilot"] and meta["pilot_type"] and meta["doc_type"]
        # The link opens the page at the record's section: the anchor is one of the document's.
        link = urlsplit(meta["url"])
        assert link.scheme == "http" and link.path == "/" and link.fragment.startswith("/doc/")
        doc_path, _, fragment_query = link.fragment.partition("?")
        assert unquote(doc_path.removeprefix("/doc/")) == meta["doc_id"]
        anchor = parse_qs(fragment_query)["section"][0]
        document = dify.get(f"/documents/{meta['doc_id']}").json()
        assert anchor in {section["anchor"] for section in document["sections"]}


def test_score_threshold_keeps_exactly_the_records_at_or_above_it(dify):
    everything = records(post(dify, query(top_k=10, threshold=0.0)))
    assert len(everything) == 10
    scores = [record["score"] for record in everything]
    # A threshold between two neighbouring scores, about half-way down the list.
    middle = next(i for i in range(len(scores) // 2, len(scores) - 1) if scores[i] > scores[i + 1])
    threshold = round((scores[middle] + scores[middle + 1]) / 2, 4)
    kept = records(post(dify, query(top_k=10, threshold=threshold)))
    assert kept == [record for record in everything if record["score"] >= threshold]
    assert 0 < len(kept) < len(everything)


@pytest.mark.parametrize(
    ("knowledge_id", "check"),
    [
        ("园区", lambda meta: meta["pilot_type"] == "园区"),
        ("park-ningdong-qingquan", lambda meta: meta["pilot_id"] == "park-ningdong-qingquan"),
        (NAMED_SET, lambda meta: meta["pilot_type"] == "园区" and "节能降碳增效" in meta["fields"]),
    ],
)
def test_knowledge_id_picks_a_pilot_type_a_pilot_or_a_named_set(dify, knowledge_id, check):
    found = records(post(dify, query(knowledge_id, top_k=8)))
    assert found and all(check(record["metadata"]) for record in found)


def test_an_unknown_knowledge_base_is_2001(dify):
    response = post(dify, query("AAA-BBB-CCC"))
    assert response.status_code == 404
    error = response.json()
    assert error["error_code"] == 2001 and "AAA-BBB-CCC" in error["error_msg"] and "园区" in error["error_msg"]


def test_no_match_is_an_empty_list(dify):
    body = query(metadata_condition=condition(("pilot_type", "is", "园区"), ("pilot_type", "is", "乡村")))
    assert records(post(dify, body)) == []


# -- metadata_condition ----------------------------------------------------------------------
def test_a_metadata_condition_filters_before_fusion(dify):
    body = query(top_k=6, metadata_condition=condition(("doc_type", "is", "进展报告")))
    found = records(post(dify, body))
    assert len(found) == 6 and {record["metadata"]["doc_type"] for record in found} == {"进展报告"}


def test_or_across_fields_and_lists_of_values(dify):
    either = condition(("pilot_type", "in", ["乡村", "社区"]), ("doc_type", "is", "进展报告"), logical_operator="or")
    found = records(post(dify, query("all", top_k=30, text="光伏", metadata_condition=either)))
    assert found
    villages = [r for r in found if r["metadata"]["pilot_type"] in ("乡村", "社区")]
    reports = [r for r in found if r["metadata"]["doc_type"] == "进展报告"]
    assert all(r in villages or r in reports for r in found)
    assert villages and reports, "the or brings in both sides"
    both = condition(("pilot_type", "in", ["乡村", "社区"]), ("doc_type", "is", "进展报告"))
    assert records(post(dify, query("all", top_k=30, text="光伏", metadata_condition=both))) == []


@pytest.mark.parametrize("bound", ["2025-01-01", "2024H2", 1735689600])
def test_time_conditions_compare_dates_periods_and_timestamps(dify, bound):
    body = query(top_k=10, metadata_condition=condition(("date", "before", bound)))
    found = records(post(dify, body))
    assert found
    for record in found:
        meta = record["metadata"]
        day = document_day({"date": meta["date"], "period": meta["period"]})
        assert day is not None and day < dt.date(2025, 1, 1)


def test_contains_on_fields_and_empty_on_period(dify):
    body = query(top_k=10, metadata_condition=condition(("fields", "contains", "交通"), ("period", "empty", None)))
    found = records(post(dify, body))
    assert found and all("交通" in r["metadata"]["fields"] and not r["metadata"]["period"] for r in found)


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (("pilot_type", ">", "园区"), ["pilot_type", ">"]),
        (("pilot_type", "regex", "园.*"), ["regex"]),
        (("colour", "is", "green"), ["colour", "pilot_type"]),
        (("date", "before", "去年"), ["date", "去年"]),
        (("region", "is", None), ["region"]),
    ],
    ids=["operator-not-for-field", "unknown-operator", "unknown-field", "not-a-date", "no-value"],
)
def test_a_condition_that_cannot_be_mapped_is_a_clear_400(dify, bad, words):
    response = post(dify, query(metadata_condition=condition(bad)))
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["error_code"] == 3001 and all(word in error["error_msg"] for word in words), error


def test_a_body_without_a_query_or_with_a_bad_setting_is_a_400(dify):
    for body in (
        {"knowledge_id": "all", "retrieval_setting": {"top_k": 3, "score_threshold": 0}},
        query(top_k=0),
        query(threshold=1.5),
        {"knowledge_id": "all", "query": "余热"},
    ):
        response = post(dify, body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error_code"] == 3001
    response = dify.post("/retrieval", content=b"{not json", headers={"Authorization": f"Bearer {KEYS[0]}"})
    assert response.status_code == 400 and response.json()["error_code"] == 3001


def test_fuzzed_bodies_with_a_valid_key_never_answer_with_a_server_error(dify):
    """Bodies generated from the documented schema, right and wrong: never a 5xx, always
    a documented body, every refusal in Chinese."""
    schema = schemathesis.openapi.from_url(f"{dify.base_url}/openapi.json")
    operation = schema["/retrieval"]["POST"]
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    statuses: list[int] = []

    @hypothesis.settings(
        max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    @hypothesis.given(case=st.one_of(strategies))
    def fuzz(case):
        with requests.Session() as session:
            session.trust_env = False
            response = case.call(session=session, headers={"Authorization": f"Bearer {KEYS[0]}"}, timeout=60)
        statuses.append(response.status_code)
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        if response.status_code >= 400:
            assert re.search(r"[\u4e00-\u9fff]", response.json()["error_msg"]), response.text[:300]

    fuzz()
    assert 200 in statuses and 400 in statuses, sorted(set(statuses))
