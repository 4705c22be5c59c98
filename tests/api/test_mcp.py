"""The MCP server through the SDK's own client, over both transports: ``tanlu mcp``
(stdio, a real subprocess) and streamable HTTP at /mcp of a real uvicorn server.
Every tool is called on each; the HTTP side also checks the read token and the Host guard.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from api.app import create_app
from api.settings import Settings
from index import KnowledgeBase
from tests.conftest import CORPUS, write_doc
from tests.live_server import serving
from tests.processes import TANLU, tanlu_env

ROOT = Path(__file__).resolve().parents[2]
PARK = "park-ningdong-qingquan"
DOCUMENTS = (f"{PARK}/summary.md", f"{PARK}/report-2025H1.md", "village-zhongwei-changhewan/summary.md")
TOOLS = {"search", "ask", "practices", "pilot", "compile_markdown"}
READ_TOKEN = "mcp-read-token-3b9d"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """A small index (a park's summary and report, a village's summary), closed again so
    the stdio process and the HTTP server can each open it in turn."""
    root = tmp_path_factory.mktemp("mcp")
    for name in DOCUMENTS:
        (root / "corpus" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(CORPUS / name, root / "corpus" / name)
    kb = KnowledgeBase(Settings(data_dir=root / "data").index_config())
    try:
        assert not kb.ingest([root / "corpus"]).errors
    finally:
        kb.close()
    return root / "data"


async def exercise(session: ClientSession) -> dict[str, Any]:
    """Initialise, list the tools, call each one (and two that must fail); results by name."""
    await session.initialize()
    listed = (await session.list_tools()).tools
    assert {tool.name for tool in listed} == TOOLS
    for tool in listed:
        assert tool.description and any("\u4e00" <= char <= "\u9fff" for char in tool.description), tool.name
        assert tool.input_schema["type"] == "object" and tool.output_schema, tool.name
    calls = {
        "search": {"query": "余热梯级利用", "pilot_type": "园区", "top_k": 3},
        "ask": {"question": "宁东清泉煤化工产业园是怎么利用余热的？"},
        "practices": {"query": "余热", "limit": 5},
        "pilot": {"pilot_id": PARK},
        "compile_markdown": {"pilot_types": ["园区"]},
        "unknown pilot": {"pilot_id": "no-such-pilot"},
        "bad filter": {"query": "余热", "pilot_type": "工厂"},
    }
    results = {}
    for label, arguments in calls.items():
        name = {"unknown pilot": "pilot", "bad filter": "search"}.get(label, label)
        result = await session.call_tool(name, arguments)
        text = "".join(getattr(item, "text", "") for item in result.content)
        results[label] = (result.is_error, result.structured_content, text)
    return results


def check_results(results: dict[str, Any]) -> None:
    for name in TOOLS:
        is_error, structured, text = results[name]
        assert not is_error and structured, (name, text[:500])

    passages = results["search"][1]["passages"]
    assert 1 <= len(passages) <= 3 and all(p["pilot_type"] == "园区" for p in passages)
    assert any("余热" in p["text"] for p in passages)
    for passage in passages:
        assert passage["title"] and passage["heading_path"] and passage["url"].startswith("http")
        assert f"/#/doc/{PARK}/" in passage["url"] and "section=s-" in passage["url"]

    answer = results["ask"][1]
    assert answer["found"] and answer["citations"] and "[1]" in answer["answer"]
    assert all(citation["pilot"] and citation["heading_path"] is not None for citation in answer["citations"])

    practices = results["practices"][1]["practices"]
    assert practices and all(practice["sources"] for practice in practices)

    pilot = results["pilot"][1]
    assert pilot["pilot_id"] == PARK and pilot["indicators"] and pilot["practices"]
    assert {doc["doc_type"] for doc in pilot["documents"]} == {"经验总结", "进展报告"}
    points = [point for series in pilot["indicators"] for point in series["points"]]
    assert points and all(point["doc_id"].endswith("2025H1") for point in points)
    assert all(point["period"] in ("2025H1", "2024", "2025") for point in points)

    compiled = results["compile_markdown"][1]
    assert compiled["practice_count"] > 0 and compiled["reference_count"] > 0
    assert "## 参考来源" in compiled["markdown"] and "[1]" in compiled["markdown"]
    park_practices = [p["title"] for p in practices if p["pilot_type"] == "园区" and not p.get("routine")]
    assert park_practices and all(title in compiled["markdown"] for title in park_practices)

    is_error, _, text = results["unknown pilot"]
    assert is_error and "no-such-pilot" in text and "试点" in text
    is_error, _, text = results["bad filter"]
    assert is_error and "pilot_type" in text and "工厂" in text


def stdio_params(data_dir: Path) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "api.cli", "mcp"],
        env={
            "TANLU_DATA_DIR": str(data_dir),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
            "OMP_NUM_THREADS": "1",
        },
        cwd=str(ROOT),
    )


def test_stdio_transport_calls_every_tool(data_dir):
    server = stdio_params(data_dir)

    async def main() -> dict[str, Any]:
        with (data_dir.parent / "stdio-stderr.log").open("w", encoding="utf-8") as errlog:
            async with stdio_client(server, errlog=errlog) as (read, write), ClientSession(read, write) as session:
                return await exercise(session)

    results = anyio.run(main)
    check_results(results)
    # Links start with TANLU_HOST:TANLU_PORT when no public URL is set.
    assert results["search"][1]["passages"][0]["url"].startswith("http://127.0.0.1:8000/#/doc/")


def test_stdio_server_finds_what_another_process_ingests_meanwhile(data_dir, tmp_path):
    """An assistant keeps `tanlu mcp` running; a `tanlu ingest` in a terminal meanwhile is
    searchable through it without a restart."""
    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    write_doc(
        tmp_path / "new" / "mcp-late",
        "summary.md",
        title="后到园区经验总结",
        pilot="mcp-late",
        body="## 一、主要做法\n### （一）钙钛矿叠层组件\n园区试装钙钛矿叠层光伏组件，转换效率达到26%。",
    )
    server = stdio_params(data)

    async def search(session: ClientSession) -> list[str]:
        result = await session.call_tool("search", {"query": "钙钛矿叠层组件", "top_k": 3})
        return [passage["doc_id"] for passage in result.structured_content["passages"]]

    async def main() -> tuple[list[str], float]:
        with (tmp_path / "stdio-stderr.log").open("w", encoding="utf-8") as errlog:
            async with stdio_client(server, errlog=errlog) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                before = await search(session)
                ingest = [TANLU, "ingest", str(tmp_path / "new")]
                done = await anyio.to_thread.run_sync(
                    lambda: subprocess.run(ingest, env=tanlu_env(data), capture_output=True, text=True, timeout=600)
                )
                assert done.returncode == 0, done.stdout + done.stderr
                started = time.monotonic()
                while "mcp-late/summary" not in await search(session):
                    assert time.monotonic() - started < 30, "the new document never became searchable"
                    await anyio.sleep(0.2)
                return before, time.monotonic() - started

    before, waited = anyio.run(main)
    assert "mcp-late/summary" not in before
    print(f"searchable through the MCP server {waited:.2f} s after the ingest ended")


@pytest.fixture(scope="module")
def http_server(data_dir):
    settings = Settings(data_dir=data_dir, read_token=READ_TOKEN, public_url="http://tanlu.example:8000")
    kb = KnowledgeBase(settings.index_config())
    try:
        with serving(create_app(settings, kb)) as base_url:
            yield base_url
    finally:
        kb.close()


def test_streamable_http_transport_calls_every_tool(http_server):
    async def main() -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {READ_TOKEN}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(120), trust_env=False) as client,
            streamable_http_client(f"{http_server}/mcp", http_client=client) as (read, write),
            ClientSession(read, write) as session,
        ):
            return await exercise(session)

    results = anyio.run(main)
    check_results(results)
    assert results["search"][1]["passages"][0]["url"].startswith("http://tanlu.example:8000/#/doc/")


def test_http_needs_the_read_token_and_a_known_host(http_server):
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    accept = {"Accept": "application/json, text/event-stream"}
    with httpx.Client(base_url=http_server, timeout=60, trust_env=False) as client:
        for token in (None, "wrong-token"):
            headers = {**accept, **({"Authorization": f"Bearer {token}"} if token else {})}
            refused = client.post("/mcp", json=initialize, headers=headers)
            assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
            assert "令牌" in refused.json()["detail"]
        allowed = {**accept, "Authorization": f"Bearer {READ_TOKEN}"}
        assert client.post("/mcp", json=initialize, headers=allowed).status_code == 200
        # The public URL's host is allowed; any other name is refused (DNS-rebinding guard).
        assert (
            client.post("/mcp", json=initialize, headers={**allowed, "Host": "tanlu.example:8000"}).status_code == 200
        )
        assert client.post("/mcp", json=initialize, headers={**allowed, "Host": "evil.example"}).status_code == 421


def test_building_the_app_leaves_the_process_logging_alone():
    """The SDK would call logging.basicConfig when the MCP server is built: a root handler
    in every process that merely creates the app (a fresh interpreter, so pytest's own
    handlers cannot hide it)."""
    probe = "import logging; from api.app import create_app; create_app(); root = logging.getLogger(); "
    probe += "print(len(root.handlers), root.level)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT, check=True
    )
    assert result.stdout.split() == ["0", str(logging.WARNING)]
