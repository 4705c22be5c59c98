"""The programme's own documents (the founding plan): ingested without a sidecar, kept
apart from the pilots, offered as 政策文件 beside the pilot types, and answering what
the plan asks of each pilot type."""

from __future__ import annotations

import shutil

import pytest

from index import SearchFilters
from tests.conftest import CORPUS, small_kb

SEED = CORPUS / "policy" / "000_024ce7f457ff4c1b.txt"
PARK = "park-ningdong-qingquan"

pytestmark = pytest.mark.skipif(not SEED.is_file(), reason="语料中没有创始方案")


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("programme")
    (root / "corpus" / "policy").mkdir(parents=True)
    shutil.copy2(SEED, root / "corpus" / "policy" / SEED.name)
    (root / "corpus" / PARK).mkdir()
    for name in ("plan.md", "summary.md"):
        shutil.copy2(CORPUS / PARK / name, root / "corpus" / PARK / name)
    base = small_kb(root / "data")
    report = base.ingest([root / "corpus"])
    assert not report.errors, report.errors
    yield base
    base.close()


def test_the_plan_is_the_programmes_and_no_pilots(kb):
    [plan] = [doc for doc in kb.documents() if doc.meta.get("scope")]
    assert plan.doc_id == f"policy/{SEED.stem}"
    assert (plan.meta["scope"], plan.meta["doc_type"], plan.meta["pilot"]) == ("自治区", "政策文件", "")
    assert {"scope", "doc_type"} <= set(plan.meta["inferred"])
    assert [pilot["pilot_id"] for pilot in kb.pilots()] == [PARK]


def test_the_stats_count_the_plan_as_the_filters_name_it(kb):
    # `tanlu stats` showed it as a type with no name ("、 1、").
    assert kb.stats()["by_pilot_type"] == {"园区": 2, "政策文件": 1}


def test_the_policy_filter_sits_beside_the_pilot_types(kb):
    hits = kb.search("园区试点建设", SearchFilters.parse(pilot_type="政策文件"), top_k=5)
    assert hits and {hit.record.doc_id for hit in hits} == {f"policy/{SEED.stem}"}
    parks = kb.search("园区试点建设", SearchFilters.parse(pilot_type="园区"), top_k=5)
    assert parks and all(hit.record.doc_id.startswith(f"{PARK}/") for hit in parks)


def test_what_the_plan_asks_of_park_pilots_is_answered_from_the_plan(kb):
    answer, _ = kb.answer("方案对园区试点有什么要求")
    assert answer.found and answer.citations
    assert all(c.doc_id == f"policy/{SEED.stem}" for c in answer.citations)
    assert any("园区试点" in c.heading_path for c in answer.citations)
    # A question about the park's own plan still goes to the park.
    own, _ = kb.answer("宁东清泉煤化工产业园的方案有什么要求")
    assert own.found and any(c.doc_id.startswith(f"{PARK}/") for c in own.citations)


def test_a_pilot_types_section_of_the_plan_is_quoted_whole(kb):
    """「按自治区方案，社区试点要重点抓哪些事」: every sentence of 「（四）社区试点」, not
    the two that repeat the question's words, under the plan's title."""
    answer, _ = kb.answer("按自治区方案，社区试点要重点抓哪些事？")
    assert answer.found and list(answer.groups) == ["宁夏碳达峰试点建设方案"]
    assert {c.heading_path.split(" > ")[-1] for c in answer.citations} == {"（四）社区试点"}
    text = "".join(s.text for s in answer.sentences())
    assert "超低能耗建筑" in text and "慢行道路" in text
    assert not any(s.text.startswith("（四）") for s in answer.sentences())  # the heading line is not a sentence
