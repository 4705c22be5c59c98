"""Jobs survive their server (issue 13, item 3), with real processes: a ``tanlu serve``
is killed with SIGKILL while a rescan runs and two uploads wait behind it, then started
again on the same data folder.

Probe finding reproduced: jobs lived in memory, so a restart forgot them — after the
restart ``GET /jobs/{id}`` answered 404 for a job that had finished.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx

from api.ingest_jobs import resumer, upload_params
from api.settings import Settings
from api.uploads import STAGING, ReceivedUpload, StagedFile
from index import KnowledgeBase
from tests.conftest import write_doc
from tests.processes import start_server, wait_for

WRITE = "jobs-write-token-5c1e"
AUTH = {"Authorization": f"Bearer {WRITE}"}
DEADLINE = 300.0


def md(title: str, pilot: str, body: str) -> bytes:
    return (
        f"---\ntitle: {title}\npilot: {pilot}\npilot_id: {pilot}\npilot_type: 园区\nregion: 银川市\n"
        f"doc_type: 经验总结\ndate: 2025-09-01\nfields: [节能降碳增效]\ndemo: true\n---\n"
        f"## 一、主要做法\n### （一）{title}\n{body}\n"
    ).encode()


def bulky_corpus(folder: Path, documents: int) -> None:
    """Documents long enough that embedding them takes a while on two cores."""
    for number in range(documents):
        paragraphs = "\n".join(
            f"### （{step + 1}）第{number}号园区第{step}项措施\n"
            + f"园区第{number}号项目推进第{step}项节能改造，建设余热回收装置{step + 3}套，"
            f"年节约标准煤{number * 10 + step}吨，减少二氧化碳排放{number * 25 + step}吨。" * 3
            for step in range(4)
        )
        write_doc(
            folder / f"bulk-{number:02d}",
            "summary.md",
            title=f"第{number}号园区经验总结",
            pilot=f"bulk-{number:02d}",
            body=f"## 一、主要做法\n{paragraphs}",
        )


def job(client: httpx.Client, job_id: str) -> dict:
    response = client.get(f"/jobs/{job_id}")
    assert response.status_code == 200, response.text
    return response.json()


def finished(client: httpx.Client, job_id: str) -> dict | None:
    state = job(client, job_id)
    return state if state["state"] in ("done", "failed") else None


def upload(client: httpx.Client, name: str, content: bytes) -> dict:
    response = client.post("/documents", files=[("files", (name, content, "text/markdown"))], headers=AUTH)
    assert response.status_code == 202, response.text
    return response.json()


def test_a_killed_server_resumes_its_jobs_after_a_restart(tmp_path):
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    settings = {"write_token": WRITE, "corpus_dir": str(corpus)}
    log = tmp_path / "serve.log"
    server = start_server(data, log, **settings)
    try:
        with server.client() as client:
            first = upload(client, "先导.md", md("光伏车棚先导", "jobs-first", "停车场建光伏车棚。"))
            done_first = wait_for(lambda: finished(client, first["job_id"]), DEADLINE, "the first upload")
            assert done_first["state"] == "done", done_first

            bulky_corpus(corpus, 6)
            rescan = client.post("/ingest", headers=AUTH).json()
            waiting = upload(client, "排队.md", md("氢能重卡排队", "jobs-queued", "投放氢能重卡二十辆。"))
            lost = upload(client, "丢失.md", md("地源热泵丢失", "jobs-lost", "园区办公楼采用地源热泵供暖制冷。"))
            wait_for(lambda: job(client, rescan["job_id"])["stage"] == "计算向量", DEADLINE, "the rescan to embed")
            assert job(client, waiting["job_id"])["state"] == "queued"
        server.kill()
    finally:
        server.kill() if server.process.poll() is None else None

    # The files of one queued upload are gone while the server is down.
    staging = data / "uploads" / ".staging"
    lost_folders = [
        folder for folder in staging.iterdir() if any("地源热泵" in part.read_text() for part in folder.iterdir())
    ]
    assert lost_folders, sorted(staging.iterdir())
    for folder in lost_folders:
        shutil.rmtree(folder)

    server = start_server(data, log, **settings)
    try:
        with server.client() as client:
            # A job finished before the kill is still readable, with its per-file report.
            again = job(client, first["job_id"])
            assert again["state"] == "done" and again["files"][0]["doc_id"] == "jobs-first/先导"
            assert again["files"] == done_first["files"] and again["summary"] == done_first["summary"]

            resumed = wait_for(lambda: finished(client, rescan["job_id"]), DEADLINE, "the resumed rescan")
            assert resumed["state"] == "done", resumed
            assert "重启" in resumed["message"]
            assert resumed["summary"]["added"] + resumed["summary"]["unchanged"] >= 6

            queued = wait_for(lambda: finished(client, waiting["job_id"]), DEADLINE, "the resumed upload")
            assert queued["state"] == "done", queued
            assert queued["files"][0]["doc_id"] == "jobs-queued/排队"

            gone = wait_for(lambda: finished(client, lost["job_id"]), DEADLINE, "the upload whose files are gone")
            assert gone["state"] == "failed"
            assert "丢失.md" in gone["error"] and "重新上传" in gone["error"]
            assert str(tmp_path) not in gone["error"]

            # What the resumed jobs wrote is searchable; the lost upload left nothing.
            hits = client.get("/search", params={"q": "氢能重卡", "top_k": 3}).json()["results"]
            assert hits and hits[0]["doc_id"] == "jobs-queued/排队"
            hits = client.get("/search", params={"q": "第5号园区第3项措施", "top_k": 3}).json()["results"]
            assert any(hit["doc_id"] == "bulk-05/summary" for hit in hits)
            assert client.get("/documents/jobs-lost/丢失").status_code == 404
            listed = [item["job_id"] for item in client.get("/jobs").json()]
            assert listed[:4] == [lost["job_id"], waiting["job_id"], rescan["job_id"], first["job_id"]]
            assert not list(staging.iterdir())  # nothing staged is left behind
    finally:
        server.stop()


def test_an_upload_stopped_while_its_files_were_swapped_in_goes_on_from_there(tmp_path):
    """The server stopped after moving the first of two files into the uploads folder
    (what it replaced set aside in staging) and before the second: the resumed job puts
    the second in place and ingests both; nothing of either is lost."""
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", write_token=WRITE)
    kb = KnowledgeBase(settings.index_config())
    try:
        uploads = settings.uploads_path()
        target = uploads / "p-swap" / "方案.md"
        target.parent.mkdir(parents=True)
        target.write_bytes(md("方案旧版", "p-swap", "园区试点蓄热式电锅炉。"))
        assert not kb.ingest([target]).errors
        staging = uploads / STAGING / "stopped-job"
        (staging / "previous").mkdir(parents=True)
        files = []
        for n, (name, content) in enumerate(
            [
                ("方案.md", md("方案新版", "p-swap", "园区改用熔盐储热供汽。")),
                ("新增.md", md("新增", "p-swap", "园区建设光伏车棚。")),
            ]
        ):
            part = staging / f"part-{n:03d}"
            part.write_bytes(content)
            files.append(StagedFile(name, part, len(content), ".md", f"p-swap/{name}", replaces=n == 0))
        upload = ReceivedUpload(staging, files, {})
        params = upload_params(upload, None)
        # What commit() had done when the server stopped: the first file swapped in.
        os.replace(target, staging / "previous" / "p-swap--方案.md")
        os.replace(files[0].part_path, target)

        work = resumer(kb, settings)("upload", params, True)
        outcome = work(lambda *_: None)

        assert not outcome.failed and [f.status for f in outcome.files] == ["ok", "ok"], outcome
        assert "熔盐储热" in target.read_text(encoding="utf-8")
        assert (uploads / "p-swap" / "新增.md").is_file() and not staging.exists()
        assert kb.search("熔盐储热供汽", top_k=1)[0].record.doc_id == "p-swap/方案"
        assert kb.document("p-swap/新增") is not None
    finally:
        kb.close()
