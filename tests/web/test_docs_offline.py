"""The API docs work on an intranet: Swagger UI (/docs) and ReDoc (/redoc) load their
scripts and styles from this server. Real Chromium; ``check_and_close`` fails the test
on any request to another host (the probe found /docs loading from a CDN)."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings
from index import KnowledgeBase
from tests.api.test_writes_http import running
from tests.conftest import write_doc
from tests.web.test_pages import CHROMIUM, DESKTOP, browser, check_and_close, open_context, shot  # noqa: F401

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed: run `make browser`")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of its own over one document: the docs need no corpus."""
    root = tmp_path_factory.mktemp("docs-offline")
    write_doc(root / "corpus" / "d-park", "summary.md", title="丙园区经验总结", pilot="d-park", body="一、做法\n光伏。")
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus")
    kb = KnowledgeBase(settings.index_config())
    kb.ingest([root / "corpus"])
    with running(settings, kb) as url:
        yield url
    kb.close()


def test_swagger_ui_and_redoc_render_from_local_assets_only(browser, server):  # noqa: F811
    context = open_context(browser, DESKTOP)
    page = context.new_page()
    page.goto(f"{server}/docs")
    page.wait_for_selector(".swagger-ui .information-container .title", timeout=30_000)
    assert "碳路 TanLu" in page.locator(".swagger-ui .information-container .title").inner_text()
    page.wait_for_selector(".swagger-ui .opblock-summary-path", timeout=30_000)
    assert page.locator(".opblock-summary-path", has_text="/search").count() >= 1
    shot(page, "docs-swagger")

    page.goto(f"{server}/redoc")
    page.wait_for_selector("h1", timeout=60_000)
    assert "碳路 TanLu" in page.locator("h1").first.inner_text()
    shot(page, "docs-redoc")
    scripts = [request.url for request in context.requests if request.resource_type in ("script", "stylesheet")]
    assert any(url.endswith("/swagger-ui-bundle.js") for url in scripts), scripts
    assert any(url.endswith("/redoc.standalone.js") for url in scripts), scripts
    check_and_close(context)
