"""The hard-input folder through the upload API: each bad file a clear per-file error
(refused on receipt, or in the job's report), the good files ingested, nothing already
stored lost."""

from __future__ import annotations

import httpx
import yaml

from api.settings import Settings
from index import KnowledgeBase
from tests.api.test_writes_http import WRITE, running, wait
from tests.bad_inputs import Expected, build_bad_inputs
from tests.conftest import write_doc

AUTH = {"Authorization": f"Bearer {WRITE}"}


def _upload(client: httpx.Client, files: list[tuple[str, bytes]], meta: dict | None = None) -> httpx.Response:
    return client.post(
        "/documents", files=[("files", item) for item in files], data=meta or {}, headers=AUTH, timeout=120
    )


def _outcomes(client: httpx.Client, response: httpx.Response) -> dict[str, dict]:
    """Client file name -> {status, message, field_name}, from the answer and the job."""
    if response.status_code != 202:
        detail = response.json()["detail"]
        return {"*": {"status": "error", "message": detail, "field_name": response.json().get("parameter") or ""}}
    body = response.json()
    outcomes = {
        file["filename"]: {"status": "error", "message": file["detail"], "field_name": ""} for file in body["refused"]
    }
    saved = {file["saved_as"]: file["filename"] for file in body["files"]}
    job = wait(client, body["job_id"])
    for file in job["files"]:
        name = saved.get(file["path"], file["path"])
        outcomes.setdefault(
            name, {"status": file["status"], "message": file["message"], "field_name": file["field_name"]}
        )
    return outcomes


def test_the_bad_input_folder_through_the_upload_api(tmp_path):
    folder = tmp_path / "inputs"
    expected = build_bad_inputs(folder)
    corpus = tmp_path / "corpus"
    write_doc(
        corpus / "kept",
        "summary.md",
        title="既有园区经验总结",
        pilot="既有园区",
        body="一、主要做法\n（一）光伏治沙。园区在荒漠建设光伏电站，板下种植沙生植物。",
    )
    # The duplicate of an id already stored from the corpus folder.
    write_doc(folder / "clash", "summary.md", title="冒名经验总结", pilot="既有园区", body="一、做法\n冒名顶替的正文。")
    expected["clash/summary.md"] = Expected("error", "已被", "pilot_id")

    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, write_token=WRITE)
    kb = KnowledgeBase(settings.index_config())
    try:
        assert not kb.ingest([corpus]).errors
        with running(settings, kb) as url, httpx.Client(base_url=url, timeout=120) as client:
            outcomes: dict[str, dict] = {}
            for name, outcome in expected.items():
                if name.startswith("dup-"):
                    # Two uploads under one name are an update, not a duplicate id; the
                    # duplicate of a stored id is the clash/ case.
                    continue
                sidecar = folder / (name + ".meta.yaml")
                meta = None
                if sidecar.exists():
                    try:
                        meta = {key: str(value) for key, value in yaml.safe_load(sidecar.read_text("utf-8")).items()}
                    except yaml.YAMLError:
                        continue  # a malformed sidecar cannot travel as form fields; the CLI test has it
                # Flattened names keep the uploads apart; the clash keeps its own name to
                # give the stored document's id.
                client_name = name.split("/")[-1] if name.startswith("clash/") else name.replace("/", "-")
                response = _upload(client, [(client_name, (folder / name).read_bytes())], meta)
                got = _outcomes(client, response)
                assert len(got) == 1, (name, got)
                outcomes[name] = result = next(iter(got.values()))
                assert result["status"] == outcome.status, (name, result)
                # A sidecar travels as form fields here, so its error names the field, not the file.
                if outcome.message.endswith(".meta.yaml"):
                    assert result["field_name"] == outcome.field_name, (name, result)
                    assert outcome.field_name in result["message"], (name, result)
                else:
                    assert outcome.message in result["message"], (name, result)
            assert len(outcomes) == len(expected) - 3, sorted(outcomes)

            hits = client.get("/search", params={"q": "光伏治沙 沙生植物", "top_k": 1}).json()["results"]
            assert hits[0]["doc_id"] == "既有园区/summary" and "冒名" not in hits[0]["text"]
            hits = client.get("/search", params={"q": "钒液流储能电站规模", "top_k": 1}).json()["results"]
            assert hits[0]["doc_id"] == "bad-sample-park/good-report"
        uploads = settings.uploads_path()
        # Uploads with a pilot id are stored in that pilot's folder (uploads/<pilot_id>/).
        kept = sorted(
            path.name
            for path in uploads.rglob("*")
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(uploads).parts)
        )
        assert set(kept) == {
            "good-misnamed.docx",
            "good-misnamed.docx.meta.yaml",
            "good-report.txt",
            "good-report.txt.meta.yaml",
            "good-summary.md",
        }, kept
    finally:
        kb.close()
