"""``tanlu backup`` while ``tanlu serve`` answers and an upload is being ingested, then
``tanlu restore`` and searches on the restored folder — all real processes (issue 13, item 6)."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import httpx

from tests.conftest import write_doc
from tests.processes import TANLU, start_server, tanlu_env, wait_for

WRITE = "backup-write-token-93aa"


def tanlu(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TANLU, *args], env=tanlu_env(data), capture_output=True, text=True, timeout=600)


def search_ids(data: Path, query: str) -> list[str]:
    result = tanlu(data, "search", query, "--json", "-k", "5")
    assert result.returncode == 0, result.stderr
    return [hit["doc_id"] for hit in json.loads(result.stdout)]


def test_backup_while_serving_then_restore_and_search(tmp_path):
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    for number in range(3):
        write_doc(
            corpus / f"bk-{number}",
            "summary.md",
            title=f"备份{number}园区经验总结",
            pilot=f"bk-{number}",
            body=f"## 一、主要做法\n### （一）储能调峰\n第{number}号园区建设储能电站{number + 1}座，参与电网调峰。",
        )
    assert tanlu(data, "ingest", str(corpus)).returncode == 0
    server = start_server(data, tmp_path / "serve.log", write_token=WRITE)
    errors: list[str] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                response = httpx.get(f"{server.base_url}/search", params={"q": "储能调峰", "mode": "bm25"}, timeout=60)
                if response.status_code != 200 or not response.json()["results"]:
                    errors.append(response.text[:200])
            except httpx.HTTPError as error:
                errors.append(str(error))

    searcher = threading.Thread(target=keep_searching)
    try:
        searcher.start()
        content = (
            "---\ntitle: 备份上传园区经验总结\npilot: bk-upload\npilot_id: bk-upload\npilot_type: 园区\n"
            "region: 银川市\ndoc_type: 经验总结\ndate: 2025-09-01\nfields: [节能降碳增效]\ndemo: true\n---\n"
            "## 一、主要做法\n### （一）压缩空气储能\n园区建成压缩空气储能示范项目。\n"
        ).encode()
        accepted = httpx.post(
            f"{server.base_url}/documents",
            files=[("files", ("上传.md", content, "text/markdown"))],
            headers={"Authorization": f"Bearer {WRITE}"},
            timeout=60,
        ).json()
        made = tanlu(data, "backup", str(tmp_path / "backup"))  # while the upload job may be running
        assert made.returncode == 0, made.stderr
        assert "已备份到" in made.stdout and "文档" in made.stdout
        manifest = json.loads((tmp_path / "backup" / "backup.json").read_text(encoding="utf-8"))
        assert manifest["documents"] in (3, 4)  # before or after the upload, never half of it

        refused = tanlu(data, "restore", str(tmp_path / "backup"), "--force")
        assert refused.returncode == 1 and "请先停止" in refused.stderr and "Traceback" not in refused.stderr
        job = wait_for(
            lambda: (
                (state := httpx.get(f"{server.base_url}/jobs/{accepted['job_id']}", timeout=60).json())["state"]
                in ("done", "failed")
                and state
            ),
            300,
            "the upload",
        )
        assert job["state"] == "done", job
    finally:
        stop.set()
        searcher.join(120)
        server.stop()
    assert not errors, errors[:3]

    restored = tmp_path / "restored"
    result = tanlu(restored, "restore", str(tmp_path / "backup"))
    assert result.returncode == 0, result.stderr
    assert "已恢复" in result.stdout
    ids = search_ids(restored, "储能调峰")
    assert {"bk-0/summary", "bk-1/summary", "bk-2/summary"} <= set(ids)
    stats = json.loads(tanlu(restored, "stats", "--json").stdout)["knowledge_base"]
    assert stats["documents"] == manifest["documents"] and stats["chunks"] == manifest["chunks"]
    if manifest["documents"] == 4:
        assert search_ids(restored, "压缩空气储能")[0] == "bk-upload/上传"
        assert (restored / "uploads" / "bk-upload" / "上传.md").exists()

    # Restoring over the original (server stopped) keeps what it replaces.
    result = tanlu(data, "restore", str(tmp_path / "backup"))
    assert result.returncode == 2 and "--force" in result.stderr
    result = tanlu(data, "restore", str(tmp_path / "backup"), "--force")
    assert result.returncode == 0, result.stderr
    kept = [path for path in tmp_path.iterdir() if path.name.startswith("data.before-restore-")]
    assert len(kept) == 1 and (kept[0] / "catalog.sqlite").exists()
    assert {"bk-0/summary", "bk-1/summary", "bk-2/summary"} <= set(search_ids(data, "储能调峰"))
