"""Pilot accounts over real HTTP: tokens made and revoked by the real ``tanlu tokens``
command, each pilot writing its own documents only, uploads kept per pilot so that two
pilots' 实施方案.md never collide (the probe saw park-b's replace park-a's)."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import docx
import httpx
import pytest

from api.settings import Settings
from index import KnowledgeBase
from tests.api.test_writes_http import accepted, running, wait
from tests.conftest import ROOT, write_doc

ADMIN = "drc-admin-secret-2c9d"
PLAN = "实施方案.md"


def _tanlu_tokens(data_dir, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "tokens", *args],
        cwd=ROOT,
        env={**os.environ, "TANLU_DATA_DIR": str(data_dir), "TANLU_CONFIG": "/nonexistent/tanlu.toml"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _plan(pilot_id: str, pilot: str, words: str) -> bytes:
    return (
        f"---\ntitle: {pilot}碳达峰试点实施方案\npilot: {pilot}\npilot_id: {pilot_id}\npilot_type: 园区\n"
        f"region: 银川市\ndoc_type: 实施方案\ndate: 2025-03-01\ndemo: true\n---\n"
        f"## 一、重点任务\n### （一）{words}\n{pilot}将{words}作为首要任务，年内完成建设。\n"
    ).encode()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("pilot-accounts")
    corpus = root / "corpus"
    for pilot_id, name in (("park-a", "甲园区"), ("park-b", "乙园区")):
        write_doc(
            corpus / pilot_id,
            "summary.md",
            title=f"{name}经验总结",
            pilot=name,
            body=f"## 一、主要做法\n### （一）余热回收\n{name}建成余热回收站。",
        )
        summary = corpus / pilot_id / "summary.md"
        summary.write_text(summary.read_text(encoding="utf-8").replace(f"pilot_id: {name}", f"pilot_id: {pilot_id}"))
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, write_token=ADMIN)
    kb = KnowledgeBase(settings.index_config())
    assert kb.ingest([corpus]).added == 2
    tokens = {
        pilot_id: _tanlu_tokens(settings.data_dir, "add", "--pilot", pilot_id).strip().splitlines()[-1]
        for pilot_id in ("park-a", "park-b")
    }
    with running(settings, kb) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield settings, kb, client, tokens
    kb.close()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _upload(http, token, name, content, data=None):
    return http.post("/documents", files=[("files", (name, content))], data=data or {}, headers=_auth(token))


def test_tokens_are_stored_hashed_and_listed_without_the_secret(env):
    settings, _, _, tokens = env
    stored = (settings.data_dir / "tokens.sqlite").read_bytes()
    assert all(token.startswith("tlp_") and token.encode() not in stored for token in tokens.values())
    listing = _tanlu_tokens(settings.data_dir, "list")
    assert "park-a" in listing and "park-b" in listing and "有效" in listing
    assert not any(token.split("_", 2)[2] in listing for token in tokens.values())


def test_writer_says_who_the_token_is(env):
    _, _, http, tokens = env
    pilot = http.get("/writer", headers=_auth(tokens["park-a"])).json()
    assert pilot == {
        "role": "pilot",
        "pilot_id": "park-a",
        "pilot": "甲园区",
        "pilot_type": "园区",
        "region": "银川市",
        "fixed": ["pilot", "pilot_type", "region"],
    }
    assert http.get("/writer", headers=_auth(ADMIN)).json()["role"] == "admin"
    assert http.get("/writer", headers=_auth("tlp_00000000_forged")).status_code == 401


def test_two_pilots_upload_the_same_name_and_both_stay(env):
    settings, kb, http, tokens = env
    words = {"park-a": "屋顶光伏", "park-b": "储能电站"}
    names = {"park-a": "甲园区", "park-b": "乙园区"}
    for pilot_id, token in tokens.items():
        body = accepted(_upload(http, token, PLAN, _plan(pilot_id, names[pilot_id], words[pilot_id])))
        assert body["files"][0]["saved_as"] == f"{pilot_id}/{PLAN}"
        job = wait(http, body["job_id"])
        assert job["state"] == "done", job
    uploads = settings.uploads_path()
    assert (uploads / "park-a" / PLAN).is_file() and (uploads / "park-b" / PLAN).is_file()
    held = {doc.doc_id for doc in kb.documents()}
    assert {"park-a/实施方案", "park-b/实施方案"} <= held
    for pilot_id, word in words.items():
        hits = http.get("/search", params={"q": word, "pilot_id": pilot_id}).json()["results"]
        assert hits and hits[0]["doc_id"] == f"{pilot_id}/实施方案"
    # The DRC uploads for a pilot by naming it in the form: into that pilot's folder.
    body = accepted(_upload(http, ADMIN, PLAN, _plan("park-b", "乙园区", "储能电站二期"), {"pilot_id": "park-b"}))
    assert body["files"][0]["saved_as"] == f"park-b/{PLAN}" and body["files"][0]["replaces"]
    assert wait(http, body["job_id"])["state"] == "done"
    assert (uploads / "park-a" / PLAN).read_bytes() == _plan("park-a", "甲园区", "屋顶光伏")


def test_the_drc_uploads_several_pilots_files_of_one_name_and_each_goes_to_its_pilot(env):
    """Without a pilot in the form, each Markdown file goes to the pilot its front matter
    names: two pilots' 半年报告.md sent by the DRC are two documents, not one replacing
    the other."""
    settings, kb, http, _ = env
    name = "半年报告.md"
    for pilot_id, pilot, words in (("park-a", "甲园区", "绿电交易"), ("park-b", "乙园区", "蒸汽管网")):
        report = _plan(pilot_id, pilot, words).replace("doc_type: 实施方案".encode(), "doc_type: 进展报告".encode())
        body = accepted(_upload(http, ADMIN, name, report))
        assert body["files"][0]["saved_as"] == f"{pilot_id}/{name}"
        assert wait(http, body["job_id"])["state"] == "done"
    uploads = settings.uploads_path()
    assert (uploads / "park-a" / name).is_file() and (uploads / "park-b" / name).is_file()
    assert {"park-a/半年报告", "park-b/半年报告"} <= {doc.doc_id for doc in kb.documents()}


def _word_plan(title: str, words: str) -> bytes:
    document = docx.Document()
    document.core_properties.title = title
    document.add_heading(title, level=0)
    document.add_paragraph("一、重点任务")
    document.add_paragraph(f"（一）{words}。年内完成{words}建设，并纳入考核。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_the_drc_uploads_word_files_of_one_name_and_each_goes_to_the_pilot_its_content_names(env):
    """A .docx has no front matter: the pilot comes from its properties or its title, as
    the ingest reads them. Two pilots' 实施方案.docx sent by the DRC without a pilot in
    the form went to the top of the uploads folder, the second replacing the first."""
    settings, kb, http, _ = env
    name = "实施方案.docx"
    saved = {}
    for pilot, words in (("丙园区", "氢能重卡"), ("丁园区", "地源热泵")):
        plan = _word_plan(f"{pilot}碳达峰试点实施方案", words)
        body = accepted(_upload(http, ADMIN, name, plan, {"region": "银川市"}))  # the form names no pilot
        saved[pilot] = body["files"][0]["saved_as"]
        assert not body["files"][0]["replaces"]
        job = wait(http, body["job_id"])
        assert job["state"] == "done" and job["files"][0]["status"] == "ok", (job["files"], job.get("error"))
    assert saved["丙园区"] != saved["丁园区"] and all(path.endswith(f"/{name}") for path in saved.values())
    uploads = settings.uploads_path()
    assert all((uploads / path).is_file() for path in saved.values()) and not (uploads / name).exists()
    # Stored in the folder of the pilot the ingest gave each document.
    stored = {doc.meta["title"]: doc.meta for doc in kb.documents()}
    for pilot, path in saved.items():
        meta = stored[f"{pilot}碳达峰试点实施方案"]
        assert path == f"{meta['pilot_id']}/{name}" and meta["pilot"] == pilot
    for words in ("氢能重卡", "地源热泵"):
        assert words in http.get("/search", params={"q": words}).json()["results"][0]["text"]
    # A notice of no pilot stays at the top of the uploads folder.
    notice = _word_plan("宁夏回族自治区发展改革委关于开展碳达峰试点中期评估工作的通知", "中期评估")
    body = accepted(_upload(http, ADMIN, "通知.docx", notice))
    assert body["files"][0]["saved_as"] == "通知.docx"
    job = wait(http, body["job_id"])
    assert job["state"] == "done", job["files"]


def test_a_pilot_token_writes_its_own_pilot_only(env):
    settings, kb, http, tokens = env
    own, other = tokens["park-a"], "park-b"
    refused = _upload(http, own, "x.md", _plan("park-a", "甲园区", "充电桩"), {"pilot_id": other})
    assert refused.status_code == 403 and "park-a" in refused.json()["detail"]
    # A file declaring another pilot in its own front matter: refused in the job, not stored.
    job = wait(http, accepted(_upload(http, own, "冒名.md", _plan(other, "乙园区", "冒名")))["job_id"])
    (file,) = job["files"]
    assert job["state"] == "failed" and file["field_name"] == "pilot_id" and other in file["message"]
    assert not (settings.uploads_path() / "park-a" / "冒名.md").exists()
    assert http.delete("/documents/park-b/summary", headers=_auth(own)).status_code == 403
    assert http.post("/ingest", headers=_auth(own)).status_code == 403
    assert kb.document("park-b/summary") is not None


def test_a_pilot_uploads_a_report_without_front_matter(env):
    _, kb, http, tokens = env
    text = "甲园区2025年上半年碳达峰试点进展报告\n一、总体进展\n（一）余热发电。园区余热发电年发电量1200万千瓦时。\n"
    body = accepted(_upload(http, tokens["park-a"], "进展报告.txt", text.encode()))
    job = wait(http, body["job_id"])
    assert job["state"] == "done", job
    doc_id = job["files"][0]["doc_id"]
    assert doc_id.startswith("park-a/")
    meta = kb.document(doc_id).meta
    assert meta["pilot_id"] == "park-a" and meta["pilot"] == "甲园区" and meta["region"] == "银川市"
    deleted = wait(http, accepted(http.delete(f"/documents/{doc_id}", headers=_auth(tokens["park-a"])))["job_id"])
    assert deleted["state"] == "done" and kb.document(doc_id) is None


def test_a_pilot_token_cannot_relabel_its_pilot_or_take_another_pilots_name(env):
    """The probe: 清泉's token uploaded with the form's name 「塞北乳业」 and the pilot
    list then showed two 塞北乳业; a new pilot's text naming another pilot took its name."""
    settings, _, http, tokens = env
    own = tokens["park-a"]
    for field, value in (("pilot", "乙园区"), ("pilot_type", "企业"), ("region", "吴忠市")):
        refused = _upload(http, own, "改名.txt", "甲园区进展报告\n一、进展\n建成光伏。".encode(), {field: value})
        assert refused.status_code == 403, refused.text
        body = refused.json()
        assert body["parameter"] == field and value in body["detail"], body
    # The front matter renaming the pilot: that file is refused in the job, another goes on.
    renamed = _plan("park-a", "甲园区", "改名").replace("pilot: 甲园区".encode(), "pilot: 乙园区".encode())
    response = http.post(
        "/documents",
        files=[("files", ("改名.md", renamed)), ("files", ("新做法.md", _plan("park-a", "甲园区", "空压机改造")))],
        headers=_auth(own),
    )
    job = wait(http, accepted(response)["job_id"])
    results = {file["path"]: file for file in job["files"]}
    assert results["park-a/改名.md"]["status"] == "error" and results["park-a/改名.md"]["field_name"] == "pilot"
    assert "甲园区" in results["park-a/改名.md"]["message"], results
    assert results["park-a/新做法.md"]["status"] == "ok", results
    assert not (settings.uploads_path() / "park-a" / "改名.md").exists()
    names = {pilot["pilot_id"]: pilot["pilot"] for pilot in http.get("/pilots").json()}
    assert names["park-a"] == "甲园区" and list(names.values()).count("乙园区") == 1, names
    # A pilot with no documents yet may not take a name another pilot has, from the
    # form or from its text; its own new name is fine.
    newcomer = _tanlu_tokens(settings.data_dir, "add", "--pilot", "park-new").strip().splitlines()[-1]
    # Spaces (full-width too), invisible characters and traditional characters do not make another name.
    for taken in ("甲园区", "甲 园区", "甲园区\u3000", "甲\u200b园区", "甲\u00ad园区", "甲園區"):
        assert _upload(http, newcomer, "a.txt", b"x", {"pilot": taken}).status_code == 403, taken
    text = "甲园区2025年上半年碳达峰试点进展报告\n一、总体进展\n（一）余热发电。年发电量800万千瓦时。\n"
    job = wait(http, accepted(_upload(http, newcomer, "进展报告.txt", text.encode(), {"region": "银川市"}))["job_id"])
    (file,) = job["files"]
    assert job["state"] == "failed" and file["field_name"] == "pilot" and "park-a" in file["message"], job
    job = wait(
        http,
        accepted(_upload(http, newcomer, "进展报告.txt", text.encode(), {"pilot": "戊园区", "region": "银川市"}))[
            "job_id"
        ],
    )
    assert job["state"] == "done", job
    assert {pilot["pilot_id"]: pilot["pilot"] for pilot in http.get("/pilots").json()}["park-new"] == "戊园区"


def test_a_name_the_drc_gave_another_pilot_never_locks_a_pilot_out_of_its_own(env):
    """The second probe: the DRC stored a document of a new pilot under 甲园区's name;
    甲园区's own token was then refused its own name as 「已属于试点 …」."""
    _, _, http, tokens = env
    twin = _plan("park-twin", "甲园区", "孪生")
    done = wait(http, accepted(_upload(http, ADMIN, "孪生.md", twin, {"pilot_id": "park-twin"}))["job_id"])
    assert done["state"] == "done", done
    text = "甲园区2025年下半年碳达峰试点进展报告\n一、总体进展\n（一）光伏扩容。新增屋顶光伏2兆瓦。\n"
    job = wait(http, accepted(_upload(http, tokens["park-a"], "下半年进展报告.txt", text.encode()))["job_id"])
    assert job["state"] == "done", job
    gone = wait(http, accepted(http.delete("/documents/park-twin/孪生", headers=_auth(ADMIN)))["job_id"])
    assert gone["state"] == "done", gone


def test_a_pilots_front_matter_without_pilot_fields_takes_them_from_its_token(env):
    """The probe: front matter with title, kind and date but no pilot failed with
    「字段 pilot：缺失或为空」 whatever the pilot put in the form."""
    _, kb, http, tokens = env
    text = (
        "---\ntitle: 甲园区2025年经验总结\ndoc_type: 经验总结\ndate: 2025-12-01\n---\n"
        "## 一、做法\n甲园区推行合同能源管理。\n"
    )
    job = wait(http, accepted(_upload(http, tokens["park-a"], "经验总结.md", text.encode()))["job_id"])
    assert job["state"] == "done", job
    meta = kb.document(job["files"][0]["doc_id"]).meta
    identity = (meta["pilot_id"], meta["pilot"], meta["pilot_type"], meta["region"])
    assert identity == ("park-a", "甲园区", "园区", "银川市")


def test_the_same_report_with_its_pilot_typed_in_or_left_to_the_token_is_unchanged(env):
    """The second probe: sent with the pilot's own name, type and region typed in, then
    again with them left to the token, the same file said 「已替换…」, not unchanged: the
    token's fields came in another order, and the sidecar is part of the document's hash."""
    _, _, http, tokens = env
    text = "甲园区2025年上半年节水工作报告\n一、节水\n（一）中水回用。园区中水回用率达到85%。\n".encode()
    typed = {"pilot": "甲园区", "pilot_type": "园区", "region": "银川市", "doc_type": "进展报告"}
    first = wait(http, accepted(_upload(http, tokens["park-a"], "节水.txt", text, typed))["job_id"])
    assert first["state"] == "done", first
    again = wait(http, accepted(_upload(http, tokens["park-a"], "节水.txt", text, {"doc_type": "进展报告"}))["job_id"])
    assert again["files"][0]["message"] == "内容未变化，沿用已导入的文档", again


def test_a_revoked_token_is_refused_at_once(env):
    settings, _, http, tokens = env
    listing = _tanlu_tokens(settings.data_dir, "list")
    token_id = tokens["park-b"].split("_")[1]
    assert token_id in listing
    _tanlu_tokens(settings.data_dir, "revoke", token_id)
    assert http.get("/writer", headers=_auth(tokens["park-b"])).status_code == 401
    assert http.get("/writer", headers=_auth(tokens["park-a"])).status_code == 200
