"""Inferred metadata and page numbers over real HTTP: a document without front matter
shows which fields were guessed (``inferred``) in /documents, /search, /pilots and /ask;
a paged document's passages carry their page."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from ingest.documents import ParsedDocument, Section
from ingest.metadata import DocumentMeta
from tests.conftest import small_kb, write_doc
from tests.ingest.test_metadata_sources import REPORT
from tests.live_server import serving

GUESSED_ID = "贺兰山示范园区/report-2025H1"
DECLARED_ID = "甲园区/summary"
PAGED_ID = "demo-paged-park/plan"
PAGED_TEXT = "园区建设二氧化碳捕集示范装置，设计捕集能力每年十万吨，捕集的二氧化碳用于周边油田驱油封存。"


def paged_document(source: Path) -> ParsedDocument:
    """A document as a PDF parser would hand it over: sections whose blocks know their page."""
    meta = DocumentMeta(
        title="示范分页园区碳达峰试点实施方案",
        pilot="示范分页园区",
        pilot_id="demo-paged-park",
        pilot_type="园区",
        region="宁东能源化工基地",
        doc_type="实施方案",
        date="2024-05-01",
        year=2024,
        demo=True,
        inferred=("title",),
    )
    sections = [
        Section(("一、总体要求",), ["园区以煤化工为主导产业，能源消费总量大。"], [1]),
        Section(("二、重点工程", "（一）碳捕集利用与封存"), [PAGED_TEXT], [3]),
    ]
    return ParsedDocument(PAGED_ID, str(source), meta, sections, content_hash="paged-demo")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("inferred")
    corpus = root / "corpus"
    guessed = corpus / "园区" / "贺兰山示范园区" / "report-2025H1.md"
    guessed.parent.mkdir(parents=True)
    guessed.write_text(REPORT, encoding="utf-8")
    write_doc(
        corpus / "declared",
        "summary.md",
        title="甲园区经验总结",
        pilot="甲园区",
        body="一、主要做法\n（一）光伏治沙。园区建设光伏治沙项目，装机容量50万千瓦。",
    )
    settings = Settings(data_dir=root / "data", corpus_dir=corpus)
    kb = small_kb(settings.data_dir)
    report = kb.ingest([corpus])
    assert not report.errors and report.added == 2, report.errors
    report = kb.ingest_documents([paged_document(root / "plan.pdf")])
    assert not report.errors
    with serving(create_app(settings, kb)) as url:
        yield url, kb
    kb.close()


def get(base_url, path: str, **params):
    response = httpx.get(base_url[0] + path, params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_document_detail_lists_the_inferred_fields(base_url):
    guessed = get(base_url, "/documents/" + quote(GUESSED_ID))
    # The folder declared the type and the pilot; the text gave the rest.
    assert (guessed["pilot_type"], guessed["pilot"], guessed["region"]) == ("园区", "贺兰山示范园区", "银川市")
    assert {"region", "doc_type", "period", "title"} <= set(guessed["inferred"])
    assert "pilot_type" not in guessed["inferred"] and "pilot" not in guessed["inferred"]
    declared = get(base_url, "/documents/" + quote(DECLARED_ID))
    assert declared["inferred"] == []
    listed = {doc["doc_id"]: doc["inferred"] for doc in get(base_url, "/documents")}
    assert listed[GUESSED_ID] == guessed["inferred"] and listed[DECLARED_ID] == []


def test_search_hits_carry_inferred_fields_and_only_guessed_chunks_store_them(base_url):
    body = get(base_url, "/search", q="余热回收站年回收余热", top_k=5)
    hit = next(hit for hit in body["results"] if hit["doc_id"] == GUESSED_ID)
    assert hit["inferred"] == get(base_url, "/documents/" + quote(GUESSED_ID))["inferred"]
    assert hit["page"] is None
    body = get(base_url, "/search", q="光伏治沙", top_k=5)
    declared = next(hit for hit in body["results"] if hit["doc_id"] == DECLARED_ID)
    assert declared["inferred"] == []
    kb = base_url[1]
    assert all("inferred" not in chunk.metadata for chunk in kb.catalog.chunks(DECLARED_ID))
    assert all(chunk.metadata["inferred"] for chunk in kb.catalog.chunks(GUESSED_ID))


def test_pilots_say_which_pilot_fields_were_inferred(base_url):
    pilots = {pilot["pilot_id"]: pilot for pilot in get(base_url, "/pilots")}
    assert pilots["贺兰山示范园区"]["inferred"] == ["region"]
    assert pilots["甲园区"]["inferred"] == []
    assert get(base_url, "/pilots/" + quote("贺兰山示范园区"))["inferred"] == ["region"]


def test_paged_passages_carry_their_page_in_search_documents_and_citations(base_url):
    body = get(base_url, "/search", q="二氧化碳捕集示范装置", top_k=3)
    hit = next(hit for hit in body["results"] if hit["doc_id"] == PAGED_ID)
    assert hit["page"] == 3 and hit["page_end"] == 3 and hit["inferred"] == ["title"]
    detail = get(base_url, "/documents/" + quote(PAGED_ID))
    assert [section["page"] for section in detail["sections"]] == [1, 3]
    assert get(base_url, "/documents/" + quote(GUESSED_ID))["sections"][0]["page"] is None
    response = httpx.post(
        base_url[0] + "/ask", json={"question": "园区二氧化碳捕集示范装置的捕集能力是多少？"}, timeout=60
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    cited = [c for c in answer["citations"] + answer["related"] if c["doc_id"] == PAGED_ID]
    assert cited and all(c["page"] == 3 and c["inferred"] == ["title"] for c in cited), answer


def test_practice_sources_carry_the_page_of_their_section(base_url):
    practices = get(base_url, "/practices", pilot_id="demo-paged-park")
    sources = [source for practice in practices for source in practice["sources"]]
    assert sources and {source["page"] for source in sources} <= {1, 3}
    assert any(source["page"] == 3 and "碳捕集" in source["heading_path"] for source in sources)
    guessed = get(base_url, "/practices", pilot_id="贺兰山示范园区")
    assert guessed and all(source["page"] is None for practice in guessed for source in practice["sources"])


def test_cli_search_marks_inferred_values_and_pages(base_url, monkeypatch):
    from typer.testing import CliRunner

    from api.cli import app

    monkeypatch.setenv("TANLU_DATA_DIR", str(base_url[1].config.data_dir))
    runner = CliRunner()
    result = runner.invoke(app, ["search", "余热回收站年回收余热", "-k", "1"])
    assert result.exit_code == 0, result.output
    flat = result.output.replace("\n", "")  # rich wraps long lines
    # The folder declared the type; the region, kind, period and title were guessed.
    assert "贺兰山示范园区（园区·银川市（推断））" in flat
    assert "工作进展报告（推断）（进展报告（推断）·2025H1（推断））" in flat
    result = runner.invoke(app, ["search", "二氧化碳捕集示范装置", "-k", "1"])
    flat = result.output.replace("\n", "")
    assert result.exit_code == 0 and "第3页" in flat
    assert "示范分页园区（园区·宁东能源化工基地）" in flat and "（实施方案·2024-05-01）" in flat
