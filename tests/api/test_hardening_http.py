"""The probe's findings over real HTTP, each reproduced as the attacker did it: a
1,000,000-character title, pilot_id ``../../etc``, server paths in job messages, a
slow body, a search stuck behind a busy embedder. Real uvicorn, real knowledge base."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from api.settings import Settings
from index import KnowledgeBase
from tests.api.test_writes_http import WRITE, accepted, running, upload, wait
from tests.conftest import write_doc

AUTH = {"Authorization": f"Bearer {WRITE}"}
TITLE_CHARS = 1_000_000


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("hardening")
    corpus = root / "corpus"
    write_doc(
        corpus / "h-park",
        "summary.md",
        title="壬园区经验总结",
        pilot="h-park",
        body="## 一、主要做法\n### （一）光伏车棚\n园区在停车场建设光伏车棚，年发电量90万千瓦时。",
    )
    settings = Settings(
        data_dir=root / "data", corpus_dir=corpus, write_token=WRITE, read_timeout=1.0, search_timeout=10.0
    )
    kb = KnowledgeBase(settings.index_config())
    assert not kb.ingest([corpus]).errors
    with running(settings, kb) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield settings, kb, client
    kb.close()


def _md(title: str, pilot_id: str, body: str = "## 一、做法\n光伏车棚。") -> bytes:
    return (
        f"---\ntitle: {title}\npilot: 癸园区\npilot_id: {pilot_id}\npilot_type: 园区\nregion: 银川市\n"
        f"doc_type: 经验总结\ndemo: true\n---\n{body}\n"
    ).encode()


def test_a_million_character_title_is_refused_at_once_and_search_goes_on(env):
    http = env[2]
    started = time.monotonic()
    job = accepted(upload(http, [("huge.md", _md("超" * TITLE_CHARS, "huge-park"))]))
    searches: list[float] = []
    while (state := http.get(f"/jobs/{job['job_id']}").json())["state"] not in ("done", "failed"):
        before = time.monotonic()
        # 200, not the 503 of a search that waited search_timeout (10 s) on the embedder
        assert http.get("/search", params={"q": "光伏车棚"}).status_code == 200
        searches.append(time.monotonic() - before)
    took = time.monotonic() - started
    print(f"1,000,000-character title: job {state['state']} in {took:.1f} s; searches meanwhile {searches}")
    assert state["state"] == "failed" and took < 60
    (file,) = state["files"]
    assert file["field_name"] == "title" and "过长" in file["message"] and str(TITLE_CHARS) in file["message"]


def test_pilot_id_escaping_its_folder_is_refused_in_the_form_and_the_front_matter(env):
    _, kb, http = env
    refused = upload(http, [("a.md", _md("越界", "x"))], data={"pilot_id": "../../etc"})
    assert refused.status_code == 422 and refused.json()["parameter"] == "pilot_id"
    assert "“..”" in refused.json()["detail"]
    job = wait(http, accepted(upload(http, [("b.md", _md("越界经验总结", "../../etc"))]))["job_id"])
    (file,) = job["files"]
    assert job["state"] == "failed" and file["field_name"] == "pilot_id"
    assert not any(doc.doc_id.startswith("..") for doc in kb.documents())


def test_no_server_path_in_a_job_message(env, tmp_path):
    settings, _, http = env
    # The probe's case: an upload whose document id is held by a corpus file.
    clash = _md("冒名经验总结", "h-park")
    job = wait(http, accepted(upload(http, [("summary.md", clash)]))["job_id"])
    text = str(job)
    assert "已被" in text and "corpus/h-park/summary.md" in text, text
    for root in (settings.data_dir, settings.corpus_dir, tmp_path):
        assert str(root.resolve().parent) not in text, text
    with running(settings.model_copy(update={"corpus_dir": tmp_path / "absent"}), env[1]) as url:
        rescan = httpx.post(f"{url}/ingest", headers=AUTH, timeout=30).json()
        job = wait(httpx.Client(base_url=url, timeout=30), rescan["job_id"])
    assert "absent" in job["message"] and str(tmp_path) not in job["message"], job["message"]


def test_a_slow_body_gets_408_and_the_connection_closes(env):
    settings, _, http = env
    host, port = http.base_url.host, http.base_url.port
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(
            b"POST /documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + WRITE.encode() + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n"
        )
        started = time.monotonic()
        answer = sock.recv(65536).decode("utf-8", "replace")
        waited = time.monotonic() - started
        assert answer.startswith("HTTP/1.1 408"), answer[:200]
        assert "接收超时" in answer and waited < settings.read_timeout + 5
        sock.settimeout(5)
        assert sock.recv(1024) == b"", "the server closes the connection"
    assert not list((settings.uploads_path() / ".staging").glob("*/*")), "nothing half-received is kept"


def test_a_search_stuck_behind_the_embedder_gets_503_with_retry_after(env):
    settings, kb, http = env
    lock: threading.Lock = kb.embedder._lock
    with lock:  # what a long ingest does to every query embedding
        started = time.monotonic()
        response = http.get("/search", params={"q": "停车场光伏"})
        waited = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5" and "繁忙" in response.json()["detail"]
    assert settings.search_timeout <= waited < settings.search_timeout + 3
    time.sleep(0.5)  # the late answer is dropped; the next search is served as usual
    assert http.get("/search", params={"q": "停车场光伏"}).status_code == 200


def test_the_docs_name_no_server_path(env):
    settings, _, http = env
    for path in ("/openapi.json", "/health"):
        assert str(Path(settings.data_dir).resolve()) not in http.get(path).text
