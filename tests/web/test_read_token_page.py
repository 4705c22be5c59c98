"""With reads closed (TANLU_READ_TOKEN) the page asks for the token in a dialog, keeps it
in sessionStorage for the tab and sends it with every API request. Real Chromium against
a real uvicorn server over its own tiny knowledge base and data folder."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Page

from api.settings import Settings
from index import KnowledgeBase
from tests.api.test_writes_http import running
from tests.conftest import write_doc
from tests.web.test_pages import (  # noqa: F401
    CHROMIUM,
    DESKTOP,
    PHONE,
    browser,
    check_and_close,
    open_context,
    shot,
)

TOKEN = "page-read-token-5c1e"
QUERY = "光伏车棚"
DIALOG = "此知识库需要访问令牌"
# Chromium logs every refused request; those 401s are the point of these tests.
REFUSED = "the server responded with a status of 401"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed: run `make browser`")


@pytest.fixture(scope="module")
def closed_server(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("read-token-page")
    corpus = root / "corpus"
    write_doc(
        corpus / "r-park",
        "summary.md",
        title="庚园区经验总结",
        pilot="r-park",
        body="## 一、主要做法\n### （一）光伏车棚\n园区在停车场建设光伏车棚，年发电量60万千瓦时。",
    )
    write_doc(
        corpus / "r-village",
        "summary.md",
        title="辛村经验总结",
        pilot="r-village",
        pilot_type="乡村",
        body="## 一、主要做法\n### （一）屋顶光伏\n村里推广户用屋顶光伏和清洁取暖。",
    )
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, read_token=TOKEN)
    kb = KnowledgeBase(settings.index_config())
    report = kb.ingest([corpus])
    assert not report.errors and report.added == 2
    with running(settings, kb) as url:
        yield url
    kb.close()


def open_page(browser, viewport) -> Page:  # noqa: F811
    """A page in a fresh context (fresh sessionStorage); its 401s are expected."""
    return open_context(browser, viewport, expected_console=REFUSED).new_page()


def close_page(page: Page) -> None:
    check_and_close(page.context)


def search_auth(page: Page) -> list[str | None]:
    """The Authorization header of every /search request so far, in order."""
    return [
        request.headers.get("authorization")
        for request in page.context.requests
        if urlsplit(request.url).path == "/search"
    ]


def search_and_wait_for_the_dialog(page: Page, base_url: str):
    """Open a search in the closed knowledge base; return the token dialog it brings up."""
    page.goto(f"{base_url}/#/search?q={quote(QUERY)}")
    dialog = page.get_by_role("dialog", name=DIALOG)
    dialog.wait_for()
    return dialog


def focused_id(page: Page) -> str:
    return page.evaluate("() => document.activeElement?.id || ''")


def test_page_asks_for_the_token_refuses_a_wrong_one_and_keeps_the_right_one(browser, closed_server):  # noqa: F811
    page = open_page(browser, DESKTOP)
    try:
        dialog = search_and_wait_for_the_dialog(page, closed_server)
        field = dialog.get_by_label("访问令牌", exact=True)
        assert field.get_attribute("type") == "password"
        assert focused_id(page) == "token-input"
        assert not dialog.get_by_text("令牌无效").is_visible()
        assert page.locator(".results .hit").count() == 0
        assert search_auth(page) == [None]

        # A wrong token: the request is refused again and the dialog asks again, saying so.
        field.fill("not-the-token")
        field.press("Enter")
        dialog.get_by_text("令牌无效").wait_for()
        assert dialog.is_visible() and field.input_value() == ""
        assert field.get_attribute("aria-invalid") == "true"
        assert focused_id(page) == "token-input"
        assert search_auth(page)[-1] == "Bearer not-the-token"
        shot(page, "read-token-wrong")

        # The right one (clicking 确定 this time): the same search is sent again and answers.
        field.fill(TOKEN)
        dialog.get_by_role("button", name="确定").click()
        page.wait_for_selector(".results .hit")
        assert not dialog.is_visible()
        assert QUERY in page.locator(".results").inner_text()
        assert search_auth(page)[-1] == f"Bearer {TOKEN}"
        assert page.evaluate("() => sessionStorage.getItem('tanlu-token')") == TOKEN
        years = page.locator("select[name=year] option").all_inner_texts()
        assert "2025" in years, years  # the filter list, loaded in parallel, got the token too

        # Reloading the tab keeps the token: no dialog, results at once, token sent first time.
        sent = len(search_auth(page))
        page.reload()
        page.wait_for_selector(".results .hit")
        assert page.locator(".token-dialog").count() == 0
        assert search_auth(page)[sent:] == [f"Bearer {TOKEN}"]

        # A new search from the form carries it as well.
        page.fill("#search-q", "屋顶光伏")
        page.press("#search-q", "Enter")
        page.wait_for_function("() => document.querySelector('.results')?.textContent.includes('辛村')")
        assert search_auth(page)[-1] == f"Bearer {TOKEN}"
        assert page.locator(".token-dialog").count() == 0
    finally:
        close_page(page)


def test_escape_cancels_with_the_servers_message_and_the_dialog_fits_a_phone(browser, closed_server):  # noqa: F811
    page = open_page(browser, PHONE)
    try:
        dialog = search_and_wait_for_the_dialog(page, closed_server)
        assert focused_id(page) == "token-input"
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], widths
        box = dialog.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        shot(page, "read-token-phone")

        page.keyboard.press("Escape")
        page.wait_for_selector(".results .notice.error")
        assert not dialog.is_visible()
        assert "令牌" in page.locator(".results .notice.error").inner_text()
        assert page.evaluate("() => sessionStorage.getItem('tanlu-token')") is None

        # Searching again asks again.
        page.get_by_role("button", name="检索", exact=True).click()
        dialog.wait_for()
        assert focused_id(page) == "token-input"
    finally:
        close_page(page)
