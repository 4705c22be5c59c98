"""Schema fuzzing: schemathesis sends generated requests for every operation in the
OpenAPI schema to a real uvicorn server, and no answer may be a 5xx.

Why: the hand-written API tests try the inputs we thought of; a 500 is what the inputs we
did not think of (odd Unicode, huge integers, empty lists, wrong types, path segments with
slashes) turn into. Every bad input must get a 4xx with a Chinese message instead.

The operations are those of the application's own schema (so endpoints added later, such
as the write endpoints, are fuzzed too); the schema the cases are built from is read from
the running server. Against the session server (read-only) writes go without a token and
must be refused (401/403). A second, throw-away server with writes switched on is fuzzed
with the token: no 5xx, and no background job may die of an unexpected exception. Every
4xx must carry a Chinese ``detail``, and every documented response must match the schema.
Both valid (positive) and invalid (negative) inputs are generated, with a bounded,
derandomized number of examples per operation: reproducible, about a minute.

schemathesis' own pytest integration (``from_fixture``) does not run on pytest 9 (it sets
``Node._nodeid``), so the cases are drawn with plain Hypothesis ``@given`` over
``APIOperation.as_strategy``.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api import messages
from api.app import create_app
from api.compile import rendering
from api.settings import Settings
from index import KnowledgeBase, SearchFilters
from index.filters import FilterError
from tests.conftest import write_doc
from tests.live_server import serving

# Per operation and generation mode; FUZZ_EXAMPLES=200 for a deeper run by hand.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
CHINESE = re.compile(r"[\u4e00-\u9fff]")
REQUEST_TIMEOUT_S = 60
# POSTs that only read; any other POST/PUT/PATCH/DELETE changes the knowledge base.
READ_ONLY_POSTS = {"/ask", "/similar", "/compile", "/compile/preview", "/compile/selection", "/retrieval"}


def app_operations() -> list[tuple[str, str]]:
    """(method, path) of every documented operation; the app is built, not started."""
    paths = create_app().openapi()["paths"]
    return sorted((method.upper(), path) for path, item in paths.items() for method in item if method != "parameters")


OPERATIONS = app_operations()


def is_write(method: str, path: str) -> bool:
    return method in {"POST", "PUT", "PATCH", "DELETE"} and path not in READ_ONLY_POSTS


@pytest.fixture(scope="module")
def api_schema(server):
    return schemathesis.openapi.from_url(f"{server}/openapi.json")


@pytest.fixture(scope="module")
def session():
    with requests.Session() as client:
        client.trust_env = False  # no proxy variable may send loopback traffic elsewhere
        yield client


def test_the_server_documents_the_same_operations(api_schema):
    served = sorted(
        (operation.ok().method.upper(), operation.ok().path) for operation in api_schema.get_all_operations()
    )
    assert served == OPERATIONS and len(OPERATIONS) >= 10


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_operation_answers_with_a_server_error(api_schema, session, method, path, monkeypatch):
    operation = api_schema[path][method]
    # The 汇编 is laid out through LibreOffice (tens of seconds on a busy machine); fuzzing
    # checks the request handling, so it runs as without LibreOffice: Word with a TOC field,
    # PDF a documented 503 with its Chinese reason (tests/api/test_compile_render.py renders).
    without_renderer = path.startswith("/compile")
    if without_renderer:
        monkeypatch.setattr(rendering, "soffice_path", lambda: None)
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if operation.query or operation.path_parameters or operation.body or operation.headers:
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    statuses: list[int] = []

    @settings(
        max_examples=MAX_EXAMPLES * len(strategies),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def fuzz(case):
        response = case.call(session=session, timeout=REQUEST_TIMEOUT_S)
        statuses.append(response.status_code)
        if without_renderer and response.status_code == 503:
            assert "LibreOffice" in response.json()["detail"], response.text[:300]
            return
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        if 400 <= response.status_code < 500:
            body = response.json()
            detail = body.get("error_msg") if path == "/retrieval" else body.get("detail")  # Dify's error format
            assert isinstance(detail, str) and CHINESE.search(detail), (
                f"{method} {path} answered {response.status_code} without a Chinese message: {response.text[:300]}"
            )
        if is_write(method, path):
            # Refused by the token check; or never routed at all (a doc_id with a newline
            # matches no route: 404 with no parameter) — either way nothing is written.
            unrouted = response.status_code in (404, 405) and response.json().get("parameter") is None
            assert response.status_code in (401, 403) or unrouted, (
                f"{method} {path} without a token answered {response.status_code}: {response.text[:300]}"
            )

    fuzz()
    assert statuses, f"no request was sent to {method} {path}"


# -- writes with the token, on a server of their own ------------------------------------
WRITE_TOKEN = "fuzz-write-token"
JOB_CRASHED = messages.JOB_FAILED.split("{")[0]  # 任务失败：<exception> — a job's 500


@pytest.fixture(scope="module")
def writer(tmp_path_factory):
    """A server whose writes are on, over a one-document knowledge base of its own: the
    fuzzed uploads and deletions must not touch the session knowledge base."""
    root = tmp_path_factory.mktemp("fuzz-writer")
    corpus = root / "corpus"
    write_doc(
        corpus / "a",
        "summary.md",
        title="甲园区经验总结",
        pilot="甲园区",
        body="## 一、主要做法\n### （一）余热利用\n园区把高温余热用于发电，年节约标准煤1.2万吨。\n",
    )
    writer_settings = Settings(data_dir=root / "data", corpus_dir=corpus, write_token=WRITE_TOKEN)
    kb = KnowledgeBase(writer_settings.index_config())
    assert not kb.ingest([corpus]).errors
    with serving(create_app(writer_settings, kb), log_level="critical") as base_url:
        yield base_url, schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    kb.close()


WRITES = [(method, path) for method, path in OPERATIONS if is_write(method, path) or path.startswith("/jobs")]


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_writes_with_the_token_never_answer_with_a_server_error(writer, session, method, path):
    base_url, writer_schema = writer
    operation = writer_schema[path][method]
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if operation.query or operation.path_parameters or operation.body:
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(
        max_examples=MAX_EXAMPLES * len(strategies),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def fuzz(case):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {WRITE_TOKEN}"}
        response = case.call(session=session, timeout=REQUEST_TIMEOUT_S)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    statuses: Counter[int] = Counter()
    fuzz()
    assert sum(statuses.values()) >= MAX_EXAMPLES, statuses
    # The jobs the fuzzing queued run in the background: none may end in an unexpected exception.
    deadline = time.monotonic() + 120
    while True:
        jobs = session.get(f"{base_url}/jobs", params={"limit": 200}, timeout=REQUEST_TIMEOUT_S).json()
        if all(job["state"] in ("done", "failed") for job in jobs) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    crashed = [(job["kind"], job["error"]) for job in jobs if job["error"].startswith(JOB_CRASHED)]
    assert not crashed, crashed
    assert all(job["state"] in ("done", "failed") for job in jobs), "jobs still running after 120 s"


# -- regressions found by the fuzzing above ----------------------------------------------
def test_errors_are_documented_as_the_bodies_really_sent(http):
    schema = http.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    invalid = schema["paths"]["/documents"]["get"]["responses"]["422"]["content"]["application/json"]["schema"]
    assert invalid == {"$ref": "#/components/schemas/ErrorBody"}
    body = http.get("/documents", params={"doc_type": "不存在"}).json()
    assert set(body) == {"detail", "parameter"} and body["parameter"] == "doc_type"


@pytest.mark.parametrize(
    ("content", "status", "parameter", "words"),
    [
        (b"\x00", 422, "body", "JSON"),  # was: 参数 0 无效：JSON decode error
        (b"\xff\xfe{", 400, None, "UTF-8"),  # was: There was an error parsing the body
        (b"[1, 2]", 422, "body", "JSON 对象"),  # was: Input should be a valid dictionary …
    ],
)
def test_unparsable_bodies_are_explained_in_chinese(http, content, status, parameter, words):
    response = http.post("/similar", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    body = response.json()
    assert body["parameter"] == parameter and words in body["detail"] and CHINESE.search(body["detail"])


def test_framework_errors_are_explained_in_chinese(http):
    missing = http.get("/no-such-endpoint")
    assert missing.status_code == 404 and "/no-such-endpoint" in missing.json()["detail"]
    assert CHINESE.search(missing.json()["detail"])
    wrong_method = http.delete("/search")
    assert wrong_method.status_code == 405 and "DELETE" in wrong_method.json()["detail"]
    assert http.get("/pilots", params={"q": "x"}).status_code == 200  # unknown query keys stay ignored
    too_long = http.get("/search", params={"q": "碳" * 501})
    assert too_long.status_code == 422 and too_long.json()["detail"] == "参数 q 过长（最多 500 个字符）"


def test_a_compile_title_with_control_characters_is_refused_not_a_500(http):
    # python-docx cannot write U+0016 into the Word XML: this was a 500.
    for fmt in ("docx", "markdown"):
        response = http.post("/compile", json={"title": "汇编\u0016标题", "format": fmt})
        assert response.status_code == 422 and response.json()["parameter"] == "title"
        assert "控制字符" in response.json()["detail"]
    assert http.post("/compile", json={"title": "汇编\t标题", "format": "markdown"}).status_code == 200


def test_a_filter_with_a_lone_surrogate_is_refused_not_a_500(http):
    # JSON allows "\ud800" on its own; Chroma refused the where clause: this was a 500.
    raw = '{"question": "余热利用有哪些做法", "region": "\\ud800"}'
    response = http.post("/ask", content=raw.encode(), headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["parameter"] == "region" and CHINESE.search(response.json()["detail"])
    for key in ("region", "pilot_id"):
        with pytest.raises(FilterError) as caught:
            SearchFilters.parse(**{key: "宁东\ud800"})
        assert caught.value.parameter == key
