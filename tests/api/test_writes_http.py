"""Writes over HTTP against a real uvicorn server with its own knowledge base and data folder:
tokens, uploads (one, many, odd names, too large, junk, named wrongly), background jobs,
deletion, rescans. Nothing here touches the session knowledge base other tests share."""

from __future__ import annotations

import io
import random
import socket
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import yaml

from api.app import create_app
from api.jobs import FAILED, JobError, JobOutcome, JobRegistry
from api.settings import Settings
from api.uploads import utf8_chars
from index import KnowledgeBase
from ingest.metadata import MAX_TITLE_CHARS, MAX_VALUE_CHARS, too_long
from tests.conftest import write_doc
from tests.live_server import serving

WRITE = "write-secret-7f3a"
READ = "read-secret-91bc"
LIMIT = 256 * 1024
JOB_DEADLINE = 240.0


def md(title: str, pilot: str, body: str, *, pilot_type: str = "园区", doc_type: str = "经验总结") -> bytes:
    return (
        f"---\ntitle: {title}\npilot: {pilot}\npilot_id: {pilot}\npilot_type: {pilot_type}\nregion: 银川市\n"
        f"doc_type: {doc_type}\ndate: 2025-09-01\nfields: [节能降碳增效]\ndemo: true\n---\n"
        f"## 一、主要做法\n### （一）{title}的做法\n{body}\n"
    ).encode()


@dataclass
class Env:
    root: Path
    corpus: Path
    data: Path
    settings: Settings
    kb: KnowledgeBase

    @property
    def uploads(self) -> Path:
        return self.settings.uploads_path()


def running(settings: Settings, kb: KnowledgeBase):
    """A real uvicorn server on 127.0.0.1 for ``settings`` over ``kb``."""
    return serving(create_app(settings, kb))


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Env:
    root = tmp_path_factory.mktemp("writes")
    corpus = root / "corpus"
    write_doc(
        corpus / "w-park",
        "summary.md",
        title="戊园区经验总结",
        pilot="w-park",
        body="## 一、主要做法\n### （一）光伏车棚\n园区在停车场建设光伏车棚，年发电量80万千瓦时。",
    )
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, write_token=WRITE, max_file_bytes=LIMIT)
    kb = KnowledgeBase(settings.index_config())
    report = kb.ingest([corpus])
    assert not report.errors and report.added == 1
    yield Env(root, corpus, root / "data", settings, kb)
    kb.close()


@pytest.fixture(scope="module")
def base_url(env) -> str:
    with running(env.settings, env.kb) as url:
        yield url


@pytest.fixture(scope="module")
def http(base_url) -> httpx.Client:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        yield client


AUTH = {"Authorization": f"Bearer {WRITE}"}


def upload(http: httpx.Client, files: list[tuple[str, bytes]], data: dict | None = None, headers=AUTH):
    parts = [("files", (name, content)) for name, content in files]
    return http.post("/documents", files=parts, data=data, headers=headers)


def wait(http: httpx.Client, job_id: str, headers=None) -> dict:
    deadline = time.monotonic() + JOB_DEADLINE
    while time.monotonic() < deadline:
        job = http.get(f"/jobs/{job_id}", headers=headers).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {JOB_DEADLINE} s")


def accepted(response: httpx.Response) -> dict:
    assert response.status_code == 202, response.text
    body = response.json()
    assert response.headers["location"] == body["status_url"] == f"/jobs/{body['job_id']}"
    return body


def found_doc_ids(http: httpx.Client, query: str, headers=None) -> list[str]:
    response = http.get("/search", params={"q": query, "top_k": 5}, headers=headers)
    assert response.status_code == 200, response.text
    return [hit["doc_id"] for hit in response.json()["results"]]


def stored_files(env: Env) -> set[str]:
    """Everything in the uploads folder, staging included (relative paths)."""
    if not env.uploads.exists():
        return set()
    return {path.relative_to(env.uploads).as_posix() for path in env.uploads.rglob("*") if path.is_file()}


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def test_writes_are_off_without_a_write_token(env, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=env.corpus)
    with running(settings, env.kb) as url, httpx.Client(base_url=url, timeout=30) as client:
        for method, path in (("POST", "/documents"), ("DELETE", "/documents/w-park/summary"), ("POST", "/ingest")):
            for headers in ({}, AUTH):
                response = client.request(method, path, headers=headers, files={"files": ("a.md", b"x")})
                assert response.status_code == 403, (method, path)
                assert "TANLU_WRITE_TOKEN" in response.json()["detail"] and is_chinese(response.json()["detail"])
        assert client.get("/search", params={"q": "光伏车棚"}).status_code == 200  # reads stay open
    assert not (tmp_path / "data" / "uploads").exists() or not any((tmp_path / "data" / "uploads").iterdir())
    assert env.kb.document("w-park/summary") is not None


def test_writes_need_the_write_token(http, env):
    before = stored_files(env)
    cases = [
        ({}, "Authorization: Bearer"),
        ({"Authorization": "Bearer wrong-token"}, "无效"),
        ({"Authorization": f"Bearer {WRITE}x"}, "无效"),
        ({"Authorization": f"Basic {WRITE}"}, "Authorization: Bearer"),
        ({"Authorization": "Bearer 令牌".encode()}, "无效"),
    ]
    for headers, detail in cases:
        for method, path in (("POST", "/documents"), ("DELETE", "/documents/w-park/summary"), ("POST", "/ingest")):
            response = http.request(method, path, headers=headers, files={"files": ("a.md", md("甲", "p1", "正文"))})
            assert response.status_code == 401, (headers, method, path)
            assert response.headers["www-authenticate"] == "Bearer"
            assert detail in response.json()["detail"] and response.json()["parameter"] == "Authorization"
    assert stored_files(env) == before
    assert http.get("/documents/w-park/summary").status_code == 200


def test_read_token_closes_reads_but_not_health_or_the_page(env, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=env.corpus, write_token=WRITE, read_token=READ)
    reads = [
        ("GET", "/search?q=光伏车棚", None),
        ("GET", "/documents", None),
        ("GET", f"/documents/{quote('w-park/summary')}", None),
        ("GET", "/pilots", None),
        ("GET", "/practices", None),
        ("GET", "/jobs", None),
        ("POST", "/ask", {"question": "光伏车棚怎么建？"}),
    ]
    with running(settings, env.kb) as url, httpx.Client(base_url=url, timeout=60) as client:
        for method, path, body in reads:
            response = client.request(method, path, json=body)
            assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer", path
            assert is_chinese(response.json()["detail"])
            wrong = client.request(method, path, json=body, headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401, path
            for token in (READ, WRITE):
                allowed = client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
                assert allowed.status_code == 200, (path, allowed.text)
        assert client.get("/health").status_code == 200
        assert client.get("/").status_code == 200
        # The read token is no write token.
        refused = client.post("/ingest", headers={"Authorization": f"Bearer {READ}"})
        assert refused.status_code == 403 and "TANLU_WRITE_TOKEN" in refused.json()["detail"]
        spec = client.get("/openapi.json").json()
        scheme = spec["components"]["securitySchemes"]["bearerAuth"]
        assert (scheme["type"], scheme["scheme"]) == ("http", "bearer") and "TANLU_READ_TOKEN" in scheme["description"]
        assert spec["paths"]["/search"]["get"]["security"] == [{"bearerAuth": []}]
        assert "security" not in spec["paths"]["/health"]["get"]


def test_openapi_describes_the_writes_and_their_token(http):
    spec = http.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in (("/documents", "post"), ("/documents/{doc_id}", "delete"), ("/ingest", "post")):
        operation = paths[path][method]
        assert operation["security"] == [{"bearerAuth": []}], path
        assert {"202", "401", "403"} <= set(operation["responses"]), path
    form = paths["/documents"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["files"]["items"]["format"] == "binary"
    assert {"pilot_type", "doc_type", "title"} <= set(form["properties"])
    assert "/jobs/{job_id}" in paths
    # Reads are open in this set-up, and the spec says so.
    assert "security" not in paths["/search"]["get"]


# -- uploads -------------------------------------------------------------------------------
def test_every_operation_has_a_chinese_summary(http):
    """/docs lists operations by their summary; without one FastAPI makes it from the
    function name (“Upload Documents”), English on a page officials read."""
    paths = http.get("/openapi.json").json()["paths"]
    methods = {"get", "post", "put", "patch", "delete"}
    operations = {f"{method.upper()} {path}": op for path, item in paths.items() for method, op in item.items()}
    operations = {name: op for name, op in operations.items() if name.split()[0].lower() in methods}
    assert len(operations) > 20
    missing = sorted(name for name, op in operations.items() if not is_chinese(op.get("summary", "")))
    assert missing == [], missing


def test_upload_one_file_search_it_then_delete_it(http, env):
    content = md("钒液流储能示范", "u-one", "园区建设全钒液流储能电站，容量10兆瓦时，用于消纳厂区光伏。")
    body = accepted(upload(http, [("储能 示范.md", content)]))
    assert body["kind"] == "upload" and body["state"] in ("queued", "running")
    assert body["files"] == [
        {
            "filename": "储能 示范.md",
            "saved_as": "u-one/储能_示范.md",
            "format": ".md",
            "bytes": len(content),
            "replaces": False,
        }
    ]
    job = wait(http, body["job_id"])
    assert job["state"] == "done" and job["message"] == "导入完成：1 个文件已入库", job
    assert [(f["path"], f["status"], f["doc_id"]) for f in job["files"]] == [
        ("u-one/储能_示范.md", "ok", "u-one/储能_示范")
    ]
    assert job["files"][0]["chunks"] > 0 and job["summary"]["added"] == 1 and job["summary"]["errors"] == 0
    assert job["created_at"] <= job["started_at"] <= job["finished_at"]
    assert (env.uploads / "u-one" / "储能_示范.md").read_bytes() == content
    assert found_doc_ids(http, "全钒液流储能电站")[0] == "u-one/储能_示范"
    assert "u-one/储能_示范" in {doc["doc_id"] for doc in http.get("/documents").json()}

    chunk_ids = {record.chunk_id for record in env.kb.catalog.chunks("u-one/储能_示范")}
    assert chunk_ids and chunk_ids <= set(env.kb.vector_store.client.get(include=[])["ids"])
    gone = accepted(http.delete(f"/documents/{quote('u-one/储能_示范')}", headers=AUTH))
    assert gone["kind"] == "delete" and gone["doc_id"] == "u-one/储能_示范"
    job = wait(http, gone["job_id"])
    assert job["state"] == "done" and job["summary"] == {"removed": 1}, job
    assert "u-one/储能_示范" not in found_doc_ids(http, "全钒液流储能电站")
    assert "u-one/储能_示范" not in {doc["doc_id"] for doc in http.get("/documents").json()}
    assert http.get(f"/documents/{quote('u-one/储能_示范')}").status_code == 404
    assert not (env.uploads / "u-one" / "储能_示范.md").exists()
    stored = set(env.kb.vector_store.client.get(include=[])["ids"])
    assert not chunk_ids & stored and stored == {record.chunk_id for record in env.kb.catalog.chunks()}
    # Deleting again: 404, in Chinese, naming the document.
    again = http.delete(f"/documents/{quote('u-one/储能_示范')}", headers=AUTH)
    assert again.status_code == 404 and "u-one/储能_示范" in again.json()["detail"]


def test_upload_several_files_with_metadata_fields_in_one_request(http, env):
    files = [
        (f"report-{n}.md", md(f"多文件{n}", "u-many", f"园区推进{word}，成效明显。"))
        for n, word in enumerate(("氢能重卡换电站", "电石渣制砖", "矿井水回用"))
    ]
    # Form fields go to a sidecar next to each file (front matter inside the files still applies).
    data = {"region": "宁东能源化工基地", "fields": "资源循环利用, 工业", "demo": "true", "period": "2025H1"}
    body = accepted(upload(http, files, data=data))
    # The files' front matter names their pilot: they are kept in its folder.
    assert [f["saved_as"] for f in body["files"]] == ["u-many/report-0.md", "u-many/report-1.md", "u-many/report-2.md"]
    job = wait(http, body["job_id"])
    assert job["state"] == "done" and [f["status"] for f in job["files"]] == ["ok"] * 3, job
    for name, _ in files:
        sidecar = yaml.safe_load((env.uploads / "u-many" / f"{name}.meta.yaml").read_text(encoding="utf-8"))
        assert sidecar == {
            "region": "宁东能源化工基地",
            "period": "2025H1",
            "fields": ["资源循环利用", "工业"],
            "demo": True,
        }
    assert found_doc_ids(http, "电石渣制砖")[0] == "u-many/report-1"
    listed = {doc["doc_id"] for doc in http.get("/documents").json()}
    assert {"u-many/report-0", "u-many/report-1", "u-many/report-2"} <= listed


def test_a_long_title_meets_the_same_limit_in_the_form_as_in_front_matter(http, env):
    """One limit per field, declared in ingest/metadata.py: a title too long for front
    matter is refused as a form field with the same limit and the same words, however far
    past the limit it goes (once, past 2000 characters, the form had a limit of its own)."""
    for length in (MAX_TITLE_CHARS + 1, 3000, 20_000):
        title = "长" * length
        form = upload(http, [("m.md", md("元数据", "u-long", "正文"))], data={"title": title})
        assert form.status_code == 422 and form.json()["parameter"] == "title", form.text
        front = md("短标题", "u-long", "正文").decode().replace("title: 短标题", f"title: {title}", 1)
        job = wait(http, accepted(upload(http, [("fm.md", front.encode())]))["job_id"])
        [result] = job["files"]
        assert result["field_name"] == "title"
        reason = too_long(length, MAX_TITLE_CHARS)
        assert reason in form.json()["detail"] and reason in result["message"], (form.text, result)
    pilot = upload(http, [("m.md", md("元数据", "u-long", "正文"))], data={"pilot": "园" * 3000})
    assert too_long(3000, MAX_VALUE_CHARS) in pilot.json()["detail"]
    assert utf8_chars("a长😀é".encode()) == 4  # counted as characters, whatever their bytes


NOTHING_TO_INFER = "一些说明\n这里没有可以推断的内容。\n".encode()


def test_advice_for_an_upload_points_to_the_form_not_a_sidecar(http, env):
    """A web or API uploader has no sidecar file to edit: a field the text does not give is
    asked for in the form (a folder ingest still names the sidecar, tests/ingest)."""
    data = {"pilot": "建议园区", "pilot_id": "u-advice", "pilot_type": "园区", "region": "银川市"}
    job = wait(http, accepted(upload(http, [("说明.txt", NOTHING_TO_INFER)], data=data))["job_id"])
    [result] = job["files"]
    assert result["status"] == "error" and result["field_name"] == "doc_type", result
    assert "请在表单中选择文档类型" in result["message"] and ".meta.yaml" not in result["message"], result
    assert "请在表单中选择文档类型" in job["error"]

    job = wait(http, accepted(upload(http, [("说明.txt", NOTHING_TO_INFER)]))["job_id"])
    [result] = job["files"]
    assert result["field_name"] == "pilot" and "请在表单中填写试点名称" in result["message"], result
    assert ".meta.yaml" not in result["message"], result


def test_a_document_says_whether_it_was_uploaded(http, env):
    """The document page tells how to declare an inferred field: in the upload form for an
    uploaded document, in a sidecar file for one from a folder."""
    report = "宁夏推断园区2025年上半年进展报告\n一、进展\n光伏。\n".encode()
    body = accepted(upload(http, [("推断报告.txt", report)], data={"region": "银川市"}))
    job = wait(http, body["job_id"])
    [result] = job["files"]
    assert result["status"] == "ok", result
    assert http.get(f"/documents/{quote(result['doc_id'])}").json()["uploaded"] is True
    assert http.get("/documents/w-park/summary").json()["uploaded"] is False


def test_metadata_fields_are_checked_before_anything_is_stored(http, env):
    before = stored_files(env)
    cases = [
        ({"pilot_type": "工厂"}, "pilot_type"),
        ({"doc_type": "会议纪要"}, "doc_type"),
        ({"period": "2025年上半年"}, "period"),
        ({"date": "2025/09/01"}, "date"),
        ({"fields": "节能降碳增效,火星开发"}, "fields"),
        ({"demo": "也许"}, "demo"),
        ({"pilot_id": "a/b"}, "pilot_id"),
        ({"pilot_typ": "园区"}, "pilot_typ"),
        ({"title": "长" * 3000}, "title"),
    ]
    for data, parameter in cases:
        response = upload(http, [("m.md", md("元数据", "u-meta", "正文"))], data=data)
        assert response.status_code == 422, (data, response.text)
        assert response.json()["parameter"] == parameter and parameter in response.json()["detail"]
        assert is_chinese(response.json()["detail"])
    assert stored_files(env) == before


def test_a_reupload_under_the_same_name_updates_the_document(http, env):
    first = accepted(upload(http, [("plan.md", md("更新前", "u-update", "园区试行蓄热式电锅炉。"))]))
    assert wait(http, first["job_id"])["state"] == "done"
    second = accepted(upload(http, [("plan.md", md("更新后", "u-update", "园区改用熔盐储热供汽。"))]))
    assert second["files"][0]["replaces"] is True
    job = wait(http, second["job_id"])
    assert job["state"] == "done" and job["summary"]["updated"] == 1 and job["files"][0]["message"], job
    assert "u-update/plan" in found_doc_ids(http, "熔盐储热供汽")
    detail = http.get(f"/documents/{quote('u-update/plan')}").json()
    assert detail["title"] == "更新后" and "蓄热式电锅炉" not in str(detail["sections"])
    # The same file again: stored as it is, and said so (the probe read 「（0 个分块）；已替换…」).
    again = wait(
        http, accepted(upload(http, [("plan.md", md("更新后", "u-update", "园区改用熔盐储热供汽。"))]))["job_id"]
    )
    (file,) = again["files"]
    assert again["state"] == "done" and file["status"] == "ok" and file["doc_id"] == "u-update/plan", again
    assert file["message"] == "内容未变化，沿用已导入的文档" and again["summary"]["unchanged"] == 1, again


def test_a_refused_upload_restores_the_file_it_would_replace(http, env):
    good = md("保留的版本", "u-keep", "园区推广空气源热泵。")
    assert (
        wait(http, accepted(upload(http, [("keep.md", good)], data={"region": "吴忠市"}))["job_id"])["state"] == "done"
    )
    kept = env.uploads / "u-keep"
    sidecar = (kept / "keep.md.meta.yaml").read_bytes()
    broken = md("坏版本", "u-keep", "正文", pilot_type="工厂")  # the file's own front matter is wrong
    job = wait(http, accepted(upload(http, [("keep.md", broken)]))["job_id"])
    assert job["state"] == "failed" and "pilot_type" in job["error"], job
    assert job["files"][0]["status"] == "error" and job["files"][0]["field_name"] == "pilot_type"
    assert "恢复" in job["files"][0]["message"]
    assert (kept / "keep.md").read_bytes() == good
    assert (kept / "keep.md.meta.yaml").read_bytes() == sidecar  # its metadata too
    assert found_doc_ids(http, "空气源热泵")[0] == "u-keep/keep"
    # A refused new file is not kept at all.
    job = wait(http, accepted(upload(http, [("never.md", md("坏", "u-never", "正文", doc_type="会议纪要"))]))["job_id"])
    assert job["state"] == "failed" and "doc_type" in job["error"]
    assert not (env.uploads / "u-never" / "never.md").exists()


def test_too_large_is_refused_while_streaming_and_nothing_is_stored(http, env):
    before = stored_files(env)
    small = md("小文件", "u-big", "正文")
    big = md("大文件", "u-big", "节能" * (LIMIT // 3))
    alone = upload(http, [("大文件.md", big)])
    assert alone.status_code == 413, alone.text
    assert "大文件.md" in alone.json()["detail"] and "256 KB" in alone.json()["detail"]
    assert stored_files(env) == before

    # In a batch the large file alone is refused; the small one is ingested.
    body = accepted(upload(http, [("small.md", small), ("大文件.md", big)]))
    assert [file["filename"] for file in body["files"]] == ["small.md"]
    assert [(file["filename"], file["status"]) for file in body["refused"]] == [("大文件.md", 413)]
    job = wait(http, body["job_id"])
    results = {file["path"]: file for file in job["files"]}
    assert results["u-big/small.md"]["status"] == "ok"
    assert results["大文件.md"]["status"] == "error" and "256 KB" in results["大文件.md"]["message"]
    assert stored_files(env) == before | {"u-big/small.md"}
    assert (
        wait(http, accepted(http.delete(f"/documents/{results['u-big/small.md']['doc_id']}", headers=AUTH))["job_id"])[
            "state"
        ]
        == "done"
    )
    before = stored_files(env)

    # A 50 MB upload: past the limit its bytes are dropped as they arrive, never stored.
    boundary = "tanlu-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="huge.md"\r\n'
        "Content-Type: text/markdown\r\n\r\n"
    ).encode() + small
    length = len(head) + 50 * 1024 * 1024 + len(f"\r\n--{boundary}--\r\n")
    host, port = http.base_url.host, http.base_url.port
    request = (
        f"POST /documents HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {WRITE}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()
    megabyte = b"x" * (1024 * 1024)
    with socket.create_connection((host, port), timeout=60) as connection:
        connection.sendall(request + head)
        for sent in range(1, 51):
            connection.sendall(megabyte)
            if sent == 25:  # half-way: what sits on disk stays under the limit
                staged = sum(path.stat().st_size for path in env.uploads.rglob("*") if path.is_file())
                assert staged <= LIMIT + 64 * 1024, staged
        connection.sendall(f"\r\n--{boundary}--\r\n".encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            received = connection.recv(65536)
            assert received, "connection closed without an answer"
            answer += received
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert stored_files(env) == before


def test_binary_or_unknown_content_is_refused_naming_the_file(http, env):
    before = stored_files(env)
    spreadsheet = io.BytesIO()
    with zipfile.ZipFile(spreadsheet, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    junk = [
        ("photo.md", b"\x89PNG\r\n\x1a\n" + random.Random(7).randbytes(2000)),
        ("data.txt", random.Random(8).randbytes(4000)),
        ("table.docx", spreadsheet.getvalue()),
    ]
    for name, content in junk:
        response = upload(http, [(name, content)])
        assert response.status_code == 415, (name, response.text)
        assert name in response.json()["detail"] and is_chinese(response.json()["detail"])
    empty = upload(http, [("empty.md", b"")])
    assert empty.status_code == 422 and "empty.md" in empty.json()["detail"]
    assert stored_files(env) == before

    # In a batch each bad file is refused on its own, the good one ingested. Two files
    # that would be saved under one name: the second is refused.
    batch = [
        ("ok.md", md("好", "u-junk", "园区推广空气源热泵。")),
        *junk,
        ("empty.md", b""),
        ("ok.pdf", md("重名", "u-junk", "正文")),
    ]
    body = accepted(upload(http, batch))
    assert [file["saved_as"] for file in body["files"]] == ["u-junk/ok.md"]
    refused = {file["filename"]: file for file in body["refused"]}
    assert {name: file["status"] for name, file in refused.items()} == {
        "photo.md": 415,
        "data.txt": 415,
        "table.docx": 415,
        "empty.md": 422,
        "ok.pdf": 422,
    }
    assert all(name in file["detail"] and is_chinese(file["detail"]) for name, file in refused.items())
    job = wait(http, body["job_id"])
    results = {file["path"]: file for file in job["files"]}
    assert job["state"] == "done" and results["u-junk/ok.md"]["status"] == "ok"
    # A job that stored some files says how many were not (the probe saw an empty message).
    assert job["message"] == "导入结束：1 个文件已入库，5 个未导入", job["message"]
    assert {name for name, file in results.items() if file["status"] == "error"} == set(refused)
    assert found_doc_ids(http, "空气源热泵")[0] == "u-junk/ok"
    wait(http, accepted(http.delete("/documents/u-junk/ok", headers=AUTH))["job_id"])
    assert stored_files(env) == before


def test_malformed_requests_are_clear_errors(http, env):
    before = stored_files(env)
    not_form = http.post("/documents", content=b"hello", headers={**AUTH, "Content-Type": "text/plain"})
    assert not_form.status_code == 415 and "multipart/form-data" in not_form.json()["detail"]
    no_files = http.post("/documents", data={"title": "只有字段"}, files={"x": ("", b"")}, headers=AUTH)
    assert no_files.status_code == 422
    text_as_files = http.post("/documents", data={"files": "不是文件"}, files={"title": (None, "t")}, headers=AUTH)
    assert text_as_files.status_code == 422 and text_as_files.json()["parameter"] == "files"
    cut, content_type = raw_multipart([(b"cut.md", md("截断", "u-cut", "正文"))])
    cut_off = http.post("/documents", content=cut[:-30], headers={**AUTH, "Content-Type": content_type})
    assert cut_off.status_code == 400 and "不完整" in cut_off.json()["detail"]
    assert stored_files(env) == before


def test_the_content_decides_the_type_not_the_name(http, env):
    content = md("伪装成PDF的Markdown", "u-type", "园区利用焦炉煤气制甲醇。")
    body = accepted(upload(http, [("x.pdf", content)]))
    assert body["files"][0]["saved_as"] == "u-type/x.md" and body["files"][0]["format"] == ".md"
    job = wait(http, body["job_id"])
    assert job["state"] == "done" and job["files"][0]["doc_id"] == "u-type/x", job
    assert (env.uploads / "u-type" / "x.md").read_bytes() == content
    assert not (env.uploads / "u-type" / "x.pdf").exists()
    assert found_doc_ids(http, "焦炉煤气制甲醇")[0] == "u-type/x"
    # Text without front matter is plain text, unless the client called it Markdown.
    plain = "# 标题\n\n园区推进节能改造。\n".encode("gb18030")
    body = accepted(upload(http, [("notes.pdf", plain), ("说明.md", plain)], data={"pilot_id": "u-text"}))
    saved = [(f["saved_as"], f["format"]) for f in body["files"]]
    assert saved == [("u-text/notes.txt", ".txt"), ("u-text/说明.md", ".md")]
    wait(http, body["job_id"])


def test_word_and_pdf_uploads_are_typed_by_content(http, env, tmp_path):
    from docx import Document

    document = Document()
    document.add_heading("己园区碳达峰实施方案", level=1)
    document.add_paragraph("一、重点任务")
    document.add_paragraph("园区建设绿电直供专线，推动电解铝企业使用绿电。")
    buffer = io.BytesIO()
    document.save(buffer)
    meta = {
        "title": "己园区碳达峰实施方案",
        "pilot": "己园区",
        "pilot_id": "u-word",
        "pilot_type": "园区",
        "region": "石嘴山市",
        "doc_type": "实施方案",
        "date": "2024-12-01",
    }
    body = accepted(upload(http, [("方案.bin", buffer.getvalue())], data=meta))
    assert body["files"][0]["saved_as"] == "u-word/方案.docx" and body["files"][0]["format"] == ".docx"
    job = wait(http, body["job_id"])
    assert job["state"] == "done" and job["files"][0]["doc_id"] == "u-word/方案", job
    assert "u-word/方案" in found_doc_ids(http, "绿电直供专线")
    assert yaml.safe_load((env.uploads / "u-word" / "方案.docx.meta.yaml").read_text(encoding="utf-8")) == meta

    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    body = accepted(upload(http, [("scan.txt", pdf)], data=meta | {"pilot_id": "u-pdf"}))
    assert body["files"][0]["saved_as"] == "u-pdf/scan.pdf" and body["files"][0]["format"] == ".pdf"
    job = wait(http, body["job_id"])
    if job["state"] == "failed":  # no PDF parser yet, or a PDF without text: refused and not kept
        assert not (env.uploads / "u-pdf" / "scan.pdf").exists() and is_chinese(job["error"])


ODD_NAMES = [
    b"../../evil-up.md",
    b"/tmp/evil-abs.md",
    b"..",
    b".",
    b"...",
    b"a/../../evil-b.md",
    b"..\\..\\evil-win.md",
    b"C:\\evil-drive.md",
    b"\\\\server\\share\\evil-unc.md",
    b"CON",
    b"con.md",
    b"NUL.txt",
    b"LPT1",
    b"evil\x00nul.md",
    "evil\u202egpj.md".encode(),
    "\u202e\u202e".encode(),
    b"x" * 300 + b".md",
    ("碳" * 200 + ".md").encode(),
    "全角／evil-fw．md".encode(),
    "..／..／evil-fw2.md".encode(),
    "．．／evil-fw3.md".encode(),
    b".hidden-evil.md",
    b"_under.md",
    b"README.md",
    "\u200b\u200b".encode(),
    b"   ",
    b"%2e%2e%2fevil-pct.md",
    "line\u2028sep.md".encode(),
    b"a/////",
    b"\xff\xfe-not-utf8.md",
    b"evil-tab\t.md",
]


def raw_multipart(parts: list[tuple[bytes, bytes]], boundary: str = "odd-names-boundary") -> tuple[bytes, str]:
    """A multipart body with file names sent byte for byte (clients escape some characters)."""
    body = b""
    for filename, content in parts:
        body += (
            f"--{boundary}\r\n".encode()
            + b'Content-Disposition: form-data; name="files"; filename="'
            + filename
            + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
            + content
            + b"\r\n"
        )
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _tree(root: Path, skip: Path) -> set[str]:
    return {str(path) for path in root.rglob("*") if skip not in path.parents and path != skip}


def test_odd_file_names_land_inside_the_uploads_folder_with_safe_names(http, env, tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    outside_before = _tree(base, env.data)
    top_before = {path.name for path in base.parent.iterdir()}
    data_top_before = {path.name for path in env.data.iterdir()}
    parts = [
        (name, md(f"怪名{n}", f"odd-{n}", f"第{n}个怪名文件的正文，园区推进节能改造。"))
        for n, name in enumerate(ODD_NAMES)
    ]
    body, content_type = raw_multipart(parts)
    response = http.post("/documents", content=body, headers={**AUTH, "Content-Type": content_type})
    accepted_body = accepted(response)
    saved = [f["saved_as"] for f in accepted_body["files"]]
    assert len(saved) == len(ODD_NAMES) == len(set(saved))
    job = wait(http, accepted_body["job_id"])
    assert job["state"] == "done" and [f["status"] for f in job["files"]] == ["ok"] * len(ODD_NAMES), job
    root = env.uploads.resolve()
    for n, saved_as in enumerate(saved):
        # Each file's front matter names its pilot (odd-n): kept in that pilot's folder.
        folder, name = saved_as.split("/")
        path = env.uploads / saved_as
        assert folder == f"odd-{n}" and path.resolve().parent == root / folder and path.is_file(), saved_as
        assert len(name.encode("utf-8")) <= 200 and name.endswith(".md"), name
        assert not name.startswith((".", "_", "-")), name
        assert not any(char in name for char in "/\\\x00\u202e\u200b\u2028\t "), name
        assert name.split(".")[0].upper() not in {"CON", "NUL", "LPT1", "README"}, name
    # Nothing appeared anywhere else: not beside the data folder, not above the test's temp folder.
    assert _tree(base, env.data) == outside_before
    assert {path.name for path in base.parent.iterdir()} == top_before
    assert not Path("/tmp/evil-abs.md").exists()
    new_top = {path.name for path in env.data.iterdir()} - data_top_before
    assert new_top <= {"uploads"}, new_top
    files = [path for path in env.uploads.rglob("*") if path.is_file()]
    assert all(env.uploads in (path.parent, path.parent.parent) or ".staging" in path.parts for path in files)


# -- rescans and deleting corpus documents -------------------------------------------------------
def test_rescan_imports_new_corpus_files(http, env):
    write_doc(
        env.corpus / "w-city",
        "plan.md",
        title="庚城市实施方案",
        pilot="w-city",
        pilot_type="城市",
        doc_type="实施方案",
        body="## 一、重点任务\n推广公交车辆电动化，新增纯电动公交车120辆。",
    )
    body = accepted(http.post("/ingest", headers=AUTH))
    assert body["kind"] == "ingest"
    job = wait(http, body["job_id"])
    assert job["state"] == "done" and job["summary"]["added"] == 1, job
    assert {"path": "corpus/w-city/plan.md", "status": "ok", "doc_id": "w-city/plan"}.items() <= next(
        f for f in job["files"] if f["doc_id"] == "w-city/plan"
    ).items()
    assert all(not f["path"].startswith("/") for f in job["files"])
    assert found_doc_ids(http, "纯电动公交车")[0] == "w-city/plan"


def test_deleting_a_corpus_document_keeps_the_file_and_a_rescan_skips_it(http, env):
    source = env.corpus / "w-park" / "summary.md"
    job = wait(http, accepted(http.delete("/documents/w-park/summary", headers=AUTH))["job_id"])
    assert job["state"] == "done" and "源文件保留" in job["files"][0]["message"], job
    assert source.exists()
    assert http.get("/documents/w-park/summary").status_code == 404
    assert "w-park/summary" not in found_doc_ids(http, "光伏车棚")

    job = wait(http, accepted(http.post("/ingest", headers=AUTH))["job_id"])
    report = next(f for f in job["files"] if f["path"] == "corpus/w-park/summary.md")
    assert report["status"] == "skipped" and "已通过 API 删除" in report["message"], report
    assert http.get("/documents/w-park/summary").status_code == 404

    source.write_text(source.read_text(encoding="utf-8") + "\n园区还建设了光伏车棚充电桩。\n", encoding="utf-8")
    job = wait(http, accepted(http.post("/ingest", headers=AUTH))["job_id"])
    assert job["state"] == "done" and job["summary"]["added"] == 1, job
    assert http.get("/documents/w-park/summary").status_code == 200
    assert "w-park/summary" in found_doc_ids(http, "光伏车棚")


# -- jobs ----------------------------------------------------------------------------------
def test_jobs_are_listed_and_unknown_ones_are_404(http):
    missing = http.get("/jobs/no-such-job")
    assert missing.status_code == 404 and missing.json()["parameter"] == "job_id"
    assert "no-such-job" in missing.json()["detail"] and is_chinese(missing.json()["detail"])
    jobs = http.get("/jobs", params={"limit": 5}).json()
    assert 0 < len(jobs) <= 5
    assert jobs == sorted(jobs, key=lambda job: job["created_at"], reverse=True)
    assert {job["kind"] for job in http.get("/jobs", params={"limit": 200}).json()} >= {"upload", "delete", "ingest"}


def test_a_failing_job_never_stops_the_worker():
    registry = JobRegistry(keep=3)
    registry.start()
    try:

        def boom(progress):
            progress("计算向量", 1, 2)
            raise RuntimeError("disk on fire")

        def refuse(progress):
            raise JobError("文档已不在知识库中")

        def fine(progress):
            progress("写入向量库", 2, 2)
            return JobOutcome(summary={"added": 1})

        submitted = [registry.submit("ingest", work) for work in (boom, refuse, fine, fine, fine)]
        deadline = time.monotonic() + 30
        while registry.pending() and time.monotonic() < deadline:
            time.sleep(0.02)
        first = registry.get(submitted[0].job_id)
        assert first is None  # only the last 3 finished jobs are kept
        kept = registry.recent()
        assert [job.job_id for job in kept] == [job.job_id for job in reversed(submitted[2:])]
        assert all(job.state == "done" and job.summary == {"added": 1} and job.stage == "写入向量库" for job in kept)

        failing = JobRegistry(keep=10)
        failing.start()
        crashed = failing.submit("upload", boom)
        refused = failing.submit("delete", refuse)
        after = failing.submit("ingest", fine)
        while failing.pending():
            time.sleep(0.02)
        assert failing.get(crashed.job_id).state == FAILED
        assert "任务失败" in failing.get(crashed.job_id).error and "disk on fire" in failing.get(crashed.job_id).error
        assert failing.get(refused.job_id).error == "文档已不在知识库中"
        assert failing.get(after.job_id).state == "done"
        failing.stop()
    finally:
        registry.stop()


def test_stopping_fails_queued_jobs_and_interrupts_the_running_one():
    registry = JobRegistry()
    registry.start()
    started = threading.Event()

    def long_ingest(progress):
        started.set()
        for step in range(1000):
            progress("计算向量", step, 1000)
            time.sleep(0.01)
        return JobOutcome()

    running_job = registry.submit("ingest", long_ingest)
    queued_job = registry.submit("ingest", long_ingest)
    assert started.wait(10)
    registry.stop(timeout=10)
    assert "中断" in registry.get(running_job.job_id).error
    assert registry.get(queued_job.job_id).state == FAILED and "未执行" in registry.get(queued_job.job_id).error
    late = registry.submit("ingest", long_ingest)
    assert late.state == FAILED
