"""Crash safety of ingest, for real: ``tanlu ingest`` runs in a subprocess and is killed
with SIGKILL at every step; the index must then answer exactly as before the ingest (or,
past the catalogue commit, exactly as after it), and a rerun must converge to the state
an uninterrupted ingest of the same files gives.

Why a subprocess and kill -9: an exception or a ``finally`` would let the code tidy up;
a kill (OOM killer, power cut, Ctrl-\\ on a hung job) does not. Most kill points are
named places in the code (``index/crash_points.py``, set by ``TANLU_CRASH_AT``), so each
run dies exactly where the test says; two tests kill from outside instead — on the CLI's
own progress output, and the moment Chroma has a write transaction open — to show the
guarantees do not depend on the hooks.

Cost: one base corpus of three small summaries is ingested once by the CLI; the
reference (the second state, ingested without interruption) once in process. Each
test's data directory starts from the reference's embedding cache — what a user's
cache would hold after embedding those texts before — so steps after the embedding
cost no model time; the tests of the embedding step leave 48 new vectors (three
batches) to compute.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from api.settings import Settings
from index import KnowledgeBase
from index.bm25_index import Bm25Index
from index.catalog import Catalog
from index.config import ChromaOptions, EmbedderSpec
from index.embedders import embedder_key
from index.vector_store import collection_name, open_client, stored_fingerprints
from tests.conftest import CORPUS

# Three summaries in the first state; in the second one is unchanged, one edited (new
# title: every chunk keeps its id but gets a new vector; an added paragraph: a new
# chunk), one removed, and six added (about 70 chunks: two vector batches, five embed
# batches).
UNCHANGED = "enterprise-ningdong-huayuan"
EDITED = "enterprise-wuzhong-saibei"
REMOVED = "community-yinchuan-cuiliu"
ADDED = (
    "village-guyuan-xinghualing",
    "public-wuzhong-binhe-school",
    "enterprise-shizuishan-beiyue",
    "enterprise-zhongwei-tengsha",
    "village-wuzhong-hongliuwan",
    "public-guyuan-qingliangshan-hospital",
)
# Vectors per store call in these runs (TANLU_CHROMA_WRITE_BATCH): the second state's ~70
# new vectors make two calls, so a kill can fall between them.
VECTOR_BATCH = 64
QUERIES = ("余热回收利用", "屋顶光伏装机容量", "垃圾分类督导", "学校节能改造", "牛粪沼气")
KILL_DEADLINE_S = 240.0
COLLECTION = collection_name(ChromaOptions(), embedder_key(EmbedderSpec()))


# -- the two states, the base data directory and the reference ----------------------------
def _copy_summary(corpus: Path, pilot: str) -> None:
    (corpus / pilot).mkdir(parents=True, exist_ok=True)
    shutil.copy2(CORPUS / pilot / "summary.md", corpus / pilot / "summary.md")


def _second_state(corpus: Path) -> None:
    path = corpus / EDITED / "summary.md"
    text = path.read_text(encoding="utf-8")
    title = re.search(r"^title: (.+)$", text, re.MULTILINE).group(1)
    text = text.replace(title, f"{title}（修订）")  # front matter and the H1 that repeats it
    path.write_text(text + "\n\n## 补充说明\n企业新建屋顶光伏0.6万千瓦，年发电量约720万千瓦时。\n", encoding="utf-8")
    shutil.rmtree(corpus / REMOVED)
    for pilot in ADDED:
        _copy_summary(corpus, pilot)


def _env(data: Path, corpus: Path, crash_at: str | None = None, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "TANLU_CRASH_AT"}
    env.update(
        TANLU_DATA_DIR=str(data), TANLU_CORPUS_DIR=str(corpus), TANLU_CHROMA_WRITE_BATCH=str(VECTOR_BATCH), **extra
    )
    if crash_at:
        env["TANLU_CRASH_AT"] = crash_at
    return env


def _ingest_command(corpus: Path) -> list[str]:
    return [sys.executable, "-m", "api.cli", "ingest", "--json", str(corpus)]


def _open(data: Path, corpus: Path) -> KnowledgeBase:
    return KnowledgeBase(Settings(data_dir=data, corpus_dir=corpus).index_config())


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a WAL database that another connection may hold open."""
    target.unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def snapshot(kb: KnowledgeBase) -> dict:
    """Everything that must agree: catalogue, vectors, persisted BM25, search results."""
    bm25 = Bm25Index.load(kb.config.data_dir / "bm25")
    return {
        "documents": {doc.doc_id: doc.content_hash for doc in kb.catalog.documents()},
        "chunks": {r.chunk_id: (r.doc_id, r.position, r.fingerprint) for r in kb.catalog.chunks()},
        "vectors": stored_fingerprints(kb.vector_store),
        "bm25": (bm25.generation == kb.catalog.get_state("generation"), sorted(bm25.chunk_ids)) if bm25 else None,
        "results": {
            f"{mode}:{query}": [hit.record.chunk_id for hit in kb.search(query, top_k=5, mode=mode)]
            for query in QUERIES
            for mode in ("hybrid", "dense", "bm25")
        },
    }


def assert_consistent(state: dict) -> None:
    chunks = state["chunks"]
    assert state["vectors"] == {chunk_id: fp for chunk_id, (_, _, fp) in chunks.items()}, "vectors ≠ catalogue"
    assert state["bm25"] == (True, sorted(chunks)), "BM25 ≠ catalogue"
    hits = {chunk_id for ranked in state["results"].values() for chunk_id in ranked}
    assert hits and hits <= set(chunks), "a search hit the catalogue does not hold"
    per_doc = {doc_id: sum(1 for d, _, _ in chunks.values() if d == doc_id) for doc_id in state["documents"]}
    assert all(per_doc.values()), per_doc


def assert_same(state: dict, expected: dict) -> None:
    for key in ("documents", "chunks", "vectors", "bm25", "results"):
        assert state[key] == expected[key], key


class World:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.corpus = root / "corpus"
        self.base = root / "base"
        self.reference = root / "reference"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    world = World(tmp_path_factory.mktemp("crash"))
    for pilot in (UNCHANGED, EDITED, REMOVED):
        _copy_summary(world.corpus, pilot)
    done = subprocess.run(
        _ingest_command(world.corpus),
        env=_env(world.base, world.corpus),
        cwd=world.root,
        capture_output=True,
        text=True,
        timeout=KILL_DEADLINE_S,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    shutil.copytree(world.base, world.reference)
    kb = _open(world.reference, world.corpus)
    world.before = snapshot(kb)
    assert_consistent(world.before)
    _second_state(world.corpus)
    report = kb.ingest([world.corpus])
    assert not report.errors and (report.added, report.updated, report.removed) == (len(ADDED), 1, 1)
    world.after = snapshot(kb)
    assert_consistent(world.after)
    kb.close()
    # The edit keeps some chunk ids with a new fingerprint (their vectors are rewritten).
    world.renamed = {
        chunk_id
        for chunk_id, (_, _, fp) in world.after["chunks"].items()
        if chunk_id in world.before["chunks"] and world.before["chunks"][chunk_id][2] != fp
    }
    assert world.renamed
    # The two states differ where the test looks: documents, chunk ids, results.
    assert world.before["documents"] != world.after["documents"]
    assert world.before["results"] != world.after["results"]
    return world


def _prepare(world: World, name: str, to_embed: int = 0) -> Path:
    """A copy of the base data directory whose embedding cache holds every vector of the
    second state but ``to_embed`` of the new ones (chosen by hash), which the next
    ingest then computes."""
    data = world.root / name
    shutil.copytree(world.base, data)
    cache = data / "embeddings.sqlite"
    _copy_sqlite(world.reference / "embeddings.sqlite", cache)
    with sqlite3.connect(cache) as db:
        db.execute("ATTACH DATABASE ? AS base", [str(world.base / "embeddings.sqlite")])
        db.execute(
            "DELETE FROM embeddings WHERE hash IN (SELECT hash FROM embeddings"
            " WHERE hash NOT IN (SELECT hash FROM base.embeddings) ORDER BY hash LIMIT ?)",
            [to_embed],
        )
    return data


def _raw(data: Path) -> dict:
    """What the kill left on disk, read without opening the knowledge base."""
    catalog = Catalog(data / "catalog.sqlite")
    raw = {
        "documents": {doc.doc_id: doc.content_hash for doc in catalog.documents()},
        "chunks": set(catalog.fingerprints()),
        "state": (catalog.get_state("generation"), catalog.get_state("vectors")),
    }
    catalog.close()
    # Opened only after the kill: Chroma keeps one client per path and process, and one
    # opened before the subprocess wrote would show the test a stale in-memory index.
    collection = open_client(ChromaOptions(), data).get_collection(COLLECTION)
    stored = collection.get(include=["metadatas"])
    raw["vector_fps"] = {
        chunk_id: meta["fingerprint"] for chunk_id, meta in zip(stored["ids"], stored["metadatas"], strict=True)
    }
    raw["vectors"] = set(raw["vector_fps"])
    bm25 = data / "bm25"
    raw["bm25_folders"] = sorted(path.name for path in bm25.glob("bm25-*"))
    raw["bm25_current"] = (bm25 / "CURRENT").read_text(encoding="utf-8")
    blobs = _cache_rows(data)
    raw["cached"] = len(blobs)
    raw["torn_cache_rows"] = sum(1 for blob in blobs if len(blob) != len(blobs[0]))
    return raw


def _cache_rows(data: Path) -> list[bytes]:
    with sqlite3.connect(data / "embeddings.sqlite") as cache:
        return [row[0] for row in cache.execute("SELECT vector FROM embeddings")]


def _check_after_kill(world: World, data: Path, expect: str) -> dict:
    """(d): the index holds exactly the previous (or, past the commit, the new) state."""
    expected = world.before if expect == "old" else world.after
    raw = _raw(data)
    assert raw["documents"] == expected["documents"]
    assert raw["chunks"] == set(expected["chunks"])
    assert raw["torn_cache_rows"] == 0
    kb = _open(data, world.corpus)
    state = snapshot(kb)
    assert_consistent(state)
    assert_same(state, expected)
    return raw | {"kb": kb}


def _rerun_converges(world: World, kb: KnowledgeBase) -> None:
    """(e): the next run completes the work and ends where an uninterrupted run does."""
    report = kb.ingest([world.corpus])
    assert not report.errors
    state = snapshot(kb)
    assert_consistent(state)
    assert_same(state, world.after)
    folders = list((kb.config.data_dir / "bm25").iterdir())
    current = (kb.config.data_dir / "bm25" / "CURRENT").read_text(encoding="utf-8")
    assert sorted(path.name for path in folders if path.name != "CURRENT") == [current]  # leftovers removed
    kb.close()


def _killed_run(world: World, data: Path, crash_at: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        _ingest_command(world.corpus),
        env=_env(data, world.corpus, crash_at),
        cwd=world.root,
        capture_output=True,
        text=True,
        timeout=KILL_DEADLINE_S,
    )
    assert done.returncode == -signal.SIGKILL, f"{crash_at} not reached: rc={done.returncode} {done.stderr[-1500:]}"
    return done


# Vectors left to compute in the embedding-step tests: three batches of 16.
TO_EMBED = 48
# name, TANLU_CRASH_AT, vectors left to compute, state expected after the kill
KILL_POINTS = [
    ("after-reading", "ingest:files_read", 0, "old"),
    ("embedding", "ingest:embed_batch:2", TO_EMBED, "old"),
    ("between-vector-batches", "ingest:vector_batch:2", 0, "old"),
    ("after-catalogue-commit", "ingest:catalog_committed", 0, "new"),
    ("bm25-folder-written", "bm25:folder_written", 0, "new"),
    ("bm25-pointer-switched", "bm25:pointer_switched", 0, "new"),
]


@pytest.mark.parametrize(("name", "crash_at", "to_embed", "expect"), KILL_POINTS, ids=[p[0] for p in KILL_POINTS])
def test_kill_at_a_named_point(world, name, crash_at, to_embed, expect):
    data = _prepare(world, name, to_embed)
    cached_before = len(_cache_rows(data))
    _killed_run(world, data, crash_at)
    observed = _check_after_kill(world, data, expect)
    base_chunks, new_chunks = set(world.before["chunks"]), set(world.after["chunks"])
    if name == "after-reading":
        assert observed["vectors"] == base_chunks and observed["cached"] == cached_before
    if name == "embedding":  # two batches of 16 committed to the cache, whole rows only
        assert observed["cached"] == cached_before + 32 and observed["vectors"] == base_chunks
    if name == "between-vector-batches":  # one batch of new vectors written, invisible to searches
        written = observed["vectors"] - base_chunks
        assert len(written) == VECTOR_BATCH and written <= new_chunks
    if name == "after-catalogue-commit":  # old vectors not yet removed, renamed ones not yet rewritten
        assert observed["vectors"] >= base_chunks | new_chunks
        assert all(observed["vector_fps"][c] == world.before["chunks"][c][2] for c in world.renamed)
    if name == "bm25-folder-written":  # the new folder is complete, the pointer names the old one
        assert len(observed["bm25_folders"]) == 2 and observed["bm25_current"] in observed["bm25_folders"]
    if name == "bm25-pointer-switched":
        assert len(observed["bm25_folders"]) == 2
    _rerun_converges(world, observed["kb"])


class _Progress:
    """The CLI's live progress (stderr, rendered as for a terminal), read as it comes."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.text = ""
        self._process = process
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._process.stderr.fileno(), 4096):
            buffer += chunk
            with self._changed:
                self.text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buffer.decode("utf-8", "replace"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, found, timeout: float = KILL_DEADLINE_S):
        """The first non-empty ``found(text)``, or None when the process ends first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := found(self.text)) and self._thread.is_alive() and time.monotonic() < deadline:
                self._changed.wait(0.05)
        return result


def _start_cli(world: World, data: Path) -> tuple[subprocess.Popen, _Progress]:
    env = _env(data, world.corpus, TTY_INTERACTIVE="1", TTY_COMPATIBLE="1", COLUMNS="100")
    process = subprocess.Popen(
        _ingest_command(world.corpus), env=env, cwd=world.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    return process, _Progress(process)


def _embedding_under_way(text: str):
    return next((m for m in re.finditer(r"计算向量\D*?(\d+)/(\d+)", text) if 0 < int(m[1]) < int(m[2])), None)


def test_kill_when_the_progress_shows_embedding(world):
    """Killed from outside, on the CLI's own progress line 「计算向量 n/m」 with 0 < n < m."""
    data = _prepare(world, "progress-kill", TO_EMBED)
    process, progress = _start_cli(world, data)
    seen = progress.wait_for(_embedding_under_way)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    assert seen is not None, progress.text[-800:]
    observed = _check_after_kill(world, data, "old")
    assert observed["vectors"] == set(world.before["chunks"])
    _rerun_converges(world, observed["kb"])


def test_kill_inside_a_chroma_write(world):
    """Killed from outside while Chroma holds a write transaction open (its SQLite
    rollback journal exists) after the ingest has begun reading files: inside the first
    ``collection.add``, not between two calls. (Opening the collection writes too, so
    the watch starts at 「读取文件」.)"""
    data = _prepare(world, "chroma-write-kill")
    journal = data / "chroma" / "chroma.sqlite3-journal"
    process, progress = _start_cli(world, data)
    assert progress.wait_for(lambda text: "读取文件" in text), progress.text[-800:]
    killed_in_write = False
    deadline = time.monotonic() + KILL_DEADLINE_S
    while process.poll() is None and time.monotonic() < deadline:
        if journal.exists():
            process.send_signal(signal.SIGKILL)
            killed_in_write = True
            break
        time.sleep(0.0002)
    assert process.wait(timeout=30) == -signal.SIGKILL and killed_in_write, progress.text[-800:]
    observed = _check_after_kill(world, data, "old")
    assert observed["vectors"] >= set(world.before["chunks"])
    _rerun_converges(world, observed["kb"])


TEAR_SCRIPT = """
import json, os, shutil, signal, sqlite3, sys
from pathlib import Path
import numpy as np
from index.config import ChromaOptions
from index.vector_store import open_client
data, name, how = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
with sqlite3.connect(data / "chroma" / "chroma.sqlite3") as db:  # keep the log, as before a purge
    [(config,)] = db.execute("SELECT config_json_str FROM embeddings_queue_config")
    config = json.loads(config) | {"automatically_purge": False}
    db.execute("UPDATE embeddings_queue_config SET config_json_str = ?", [json.dumps(config)])
collection = open_client(ChromaOptions(), data).get_collection(name)
rng = np.random.default_rng(7)
def add(start, count):
    vectors = rng.normal(size=(count, 384))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    collection.add(ids=[f"orphan-{i}" for i in range(start, start + count)], embeddings=vectors.tolist())
add(0, 1100)
[segment] = [path for path in (data / "chroma").iterdir() if path.is_dir()]
pickle = segment / "index_metadata.pickle"
shutil.copy(pickle, segment / "first.pickle")
add(1100, 1000)
if how == "stale-map":
    os.replace(segment / "first.pickle", pickle)
else:
    with open(pickle, "r+b") as handle:
        handle.truncate(37)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _tear_chroma(data: Path, how: str) -> None:
    """Leave the collection's HNSW files as a kill during Chroma's own save does.

    Embedded Chroma saves the HNSW graph every 1000 vectors: the binary files first, the
    id map (``index_metadata.pickle``) after, and only then drops the log entries the
    save covers. A kill between the two writes leaves graph files newer than the map
    and the log still whole; a kill inside the map's write leaves it cut short. (A loop
    of random kills on a 20k-vector collection produced an unreadable collection this
    way.) Here 2100 vectors the catalogue does not hold force two saves, with the log
    kept; then the map is put back to the first save's, or truncated.
    """
    done = subprocess.run(
        [sys.executable, "-c", TEAR_SCRIPT, str(data), COLLECTION, how], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -signal.SIGKILL, done.stderr[-1500:]


@pytest.mark.parametrize("how", ["stale-map", "truncated-map"])
def test_torn_chroma_files_are_repaired_on_open(world, how, caplog):
    """The vector store is derived data: an unreadable collection is rebuilt from the
    catalogue and the embedding cache on open."""
    data = world.root / f"torn-{how}"
    shutil.copytree(world.base, data)
    _tear_chroma(data, how)
    kb = _open(data, world.corpus)
    assert any("已重建为空集合" in record.getMessage() for record in caplog.records)
    state = snapshot(kb)
    assert_consistent(state)
    assert_same(state, world.before)
    assert kb.cache.count(kb.embedder_key) == len(world.before["chunks"])  # nothing re-embedded
    kb.close()


def test_crash_points_are_inert_unless_named_and_all_are_placed(monkeypatch):
    from index import crash_points

    monkeypatch.delenv(crash_points.ENV, raising=False)
    crash_points._reached.clear()
    for name in crash_points.POINTS:
        crash_points.crash_point(name)  # unset: nothing happens, nothing is counted
    monkeypatch.setenv(crash_points.ENV, "ingest:vector_batch:3")
    crash_points.crash_point("ingest:vector_batch")
    crash_points.crash_point("ingest:vector_batch")  # the third call would kill
    crash_points.crash_point("ingest:embed_batch")
    assert dict(crash_points._reached) == {"ingest:vector_batch": 2}
    source = "".join(path.read_text(encoding="utf-8") for path in (Path(crash_points.__file__).parent).glob("*.py"))
    assert [name for name in crash_points.POINTS if f'crash_point("{name}")' not in source] == []
