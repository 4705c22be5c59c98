"""POST /ask over real HTTP: cited sentences, filters, refusals, and the optional LLM path
against a protocol stand-in (tests/openai_standin.py — not a model)."""

from __future__ import annotations

from contextlib import ExitStack
from urllib.parse import quote

import httpx
import pytest

from api.app import create_app
from ingest.sentences import NUMBER_WITH_UNIT
from tests.live_server import serving
from tests.openai_standin import StandIn


def _flat(text: str) -> str:
    return "".join(text.split())


def _assert_citations_resolve(http, body):
    for citation in body["citations"]:
        detail = http.get(f"/documents/{quote(citation['doc_id'])}").json()
        section = next(s for s in detail["sections"] if " > ".join(s["heading_path"]) == citation["heading_path"])
        assert _flat(citation["chunk_text"]) in _flat(section["text"])
        assert section["anchor"] == citation["anchor"]
    by_number = {c["n"]: c for c in body["citations"]}
    for group in body["groups"]:
        for sentence in group["sentences"]:
            cited = "".join(_flat(by_number[n]["chunk_text"]) for n in sentence["citations"])
            assert sentence["citations"] and cited
            if body["generated"]:  # the model's own words, but every figure is in a cited chunk
                assert all(figure.group(0) in cited for figure in NUMBER_WITH_UNIT.finditer(sentence["text"]))
            else:  # extractive: the sentence is copied from a cited chunk
                assert _flat(sentence["text"]) in cited


def test_answer_sentences_are_cited_and_resolve_to_real_text(http):
    response = http.post("/ask", json={"question": "宁东清泉煤化工产业园二氧化碳捕集能力达到多少？"})
    assert response.status_code == 200
    body = response.json()
    assert body["found"] and body["groups"] and body["citations"] and not body["generated"]
    assert "万吨" in body["answer"] and "[1]" in body["answer"]
    _assert_citations_resolve(http, body)


def test_filters_are_respected(http):
    body = http.post("/ask", json={"question": "屋顶光伏是怎么推进的？", "pilot_type": "乡村"}).json()
    assert body["found"]
    assert {c["pilot_type"] for c in body["citations"]} == {"乡村"}
    _assert_citations_resolve(http, body)


@pytest.mark.parametrize(
    "payload",
    [
        {"question": "火星探测器是哪一年着陆的？"},
        {"question": "余热利用有哪些做法？", "region": "不存在的地区"},
    ],
)
def test_thin_evidence_says_so_and_offers_related_material(http, payload):
    body = http.post("/ask", json=payload).json()
    assert body["found"] is False and body["groups"] == [] and body["citations"] == []
    assert "知识库中没有" in body["note"] and body["answer"] == body["note"]


def test_refusal_quotes_the_question_as_asked(http):
    body = http.post("/ask", json={"question": "园区的火星探测器是哪一年着陆的？", "pilot_type": "园区"}).json()
    assert body["found"] is False and "“园区的火星探测器是哪一年着陆的？”" in body["note"]


def test_empty_question_and_bad_filter(http):
    response = http.post("/ask", json={"question": "  "})
    assert response.status_code == 400 and response.json()["parameter"] == "question"
    response = http.post("/ask", json={"question": "光伏", "pilot_type": "工厂"})
    assert response.status_code == 422 and response.json()["parameter"] == "pilot_type"


@pytest.fixture()
def llm_server(settings, kb):
    """A second server on the same knowledge base, configured with an LLM endpoint."""
    with ExitStack() as servers:

        def start(base_url: str, timeout: float = 30.0) -> str:
            configured = settings.model_copy(
                update={"llm_base_url": base_url, "llm_model": "standin", "llm_timeout": timeout}
            )
            return servers.enter_context(serving(create_app(configured, kb)))

        yield start


QUESTION = {"question": "宁东清泉煤化工产业园二氧化碳捕集能力达到多少？"}


def test_llm_answer_keeps_only_verifiable_sentences(http, llm_server):
    with StandIn("cite") as standin:
        url = llm_server(standin.base_url)
        body = httpx.post(url + "/ask", json=QUESTION, timeout=60).json()
    assert standin.requests and "[1]" in standin.requests[0]["messages"][-1]["content"]
    assert body["generated"] is True and body["found"]
    sentences = [s["text"] for g in body["groups"] for s in g["sentences"]]
    assert len(sentences) == 1 and "999万吨" not in body["answer"]
    assert "已删除 2 句" in body["note"]
    _assert_citations_resolve(http, body)


def test_llm_practice_answer_follows_the_practice_plan_and_is_checked(http, llm_server):
    with StandIn("cite") as standin:
        url = llm_server(standin.base_url)
        body = httpx.post(url + "/ask", json={"question": "其他园区是怎么利用余热的？"}, timeout=60).json()
    prompt = standin.requests[0]["messages"][-1]["content"]
    assert "各试点的做法" in prompt and "做法：" in prompt  # practices as context
    assert body["generated"] is True and body["plan"] == "practice"
    practice = body["practices"][0]
    assert practice["method"] and practice["method"][0]["text"].rstrip("。；") in prompt  # copied, verified
    assert "999万吨" not in body["answer"] and "已删除 2 句" in body["note"]
    _assert_citations_resolve(http, body)


@pytest.mark.parametrize(("behaviour", "timeout"), [("fail", 30.0), ("slow", 1.0)])
def test_llm_failure_falls_back_to_the_extractive_answer_with_a_note(http, llm_server, behaviour, timeout):
    with StandIn(behaviour) as standin:
        url = llm_server(standin.base_url, timeout)
        body = httpx.post(url + "/ask", json=QUESTION, timeout=60).json()
    assert body["generated"] is False and body["found"] and body["groups"]
    assert "大模型服务不可用" in body["note"]
    _assert_citations_resolve(http, body)
