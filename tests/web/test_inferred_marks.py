"""The web page marks every value guessed from the text with 「推断」 (and a tooltip saying
so) in search results, the document view and the pilot views, and shows page numbers of
paged documents; declared values carry no mark. Real Chromium, real server."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

# Fixtures shared by name: the browser and page of the page tests, and the small knowledge
# base (one document with guessed metadata, one declared, one paged) of the API test.
from tests.api.test_inferred_metadata_http import DECLARED_ID, GUESSED_ID, PAGED_ID, base_url  # noqa: F401
from tests.web.test_pages import CHROMIUM, browser, page, shot  # noqa: F401

TIP = "该字段由文本推断，未经声明"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed: run `make browser`")


def shown_inferred(doc: dict) -> list[str]:
    """The inferred fields the document header displays (period or date, whichever is shown)."""
    when = "period" if doc["period"] else "date"
    return [key for key in ("pilot", "title", "pilot_type", "region", "doc_type", when) if key in doc["inferred"]]


def test_search_cards_mark_inferred_values_only(page, base_url):  # noqa: F811
    url = base_url[0]
    page.goto(f"{url}/#/search?q={quote('余热回收站 光伏治沙')}")
    page.wait_for_selector(".results .hit")
    guessed = page.locator(".hit").filter(has_text="贺兰山示范园区").first
    marks = guessed.locator(".inferred")
    doc = httpx.get(f"{url}/documents/{quote(GUESSED_ID)}").json()
    # region, doc_type, period and title were guessed; type and pilot came from the folders.
    assert marks.count() == len(shown_inferred(doc)) >= 4
    assert set(marks.evaluate_all("els => els.map(e => e.title)")) == {TIP}
    assert set(marks.all_inner_texts()) == {"推断"}
    declared = page.locator(".hit").filter(has_text="甲园区").first
    assert declared.locator(".inferred").count() == 0
    shot(page, "search-inferred")


def test_document_view_marks_header_fields_and_explains_them(page, base_url):  # noqa: F811
    url = base_url[0]
    page.goto(f"{url}/#/doc/{quote(GUESSED_ID)}")
    page.wait_for_selector(".view-doc h1")
    doc = httpx.get(f"{url}/documents/{quote(GUESSED_ID)}").json()
    assert page.locator(".view-doc .inferred").count() == len(shown_inferred(doc))
    region = page.locator(".view-doc .card-meta span", has_text=doc["region"]).first
    assert region.locator(".inferred").get_attribute("title") == TIP
    assert page.locator(".inferred-note").is_visible()
    assert "meta.yaml" in page.locator(".inferred-note").inner_text()  # a folder's document: its sidecar
    shot(page, "document-inferred")
    page.goto(f"{url}/#/doc/{quote(DECLARED_ID)}")
    page.wait_for_selector(".view-doc h1")
    page.wait_for_function(
        "id => document.querySelector('.view-doc h1').textContent.includes('甲园区')", arg=DECLARED_ID
    )
    assert page.locator(".view-doc .inferred").count() == 0 and page.locator(".inferred-note").count() == 0


def test_pilot_views_mark_an_inferred_region(page, base_url):  # noqa: F811
    url = base_url[0]
    page.goto(f"{url}/#/pilots")
    page.wait_for_selector(".pilot-item")
    item = page.locator(".pilot-item").filter(has_text="贺兰山示范园区")
    assert item.locator(".inferred").count() == 1
    assert page.locator(".pilot-item").filter(has_text="甲园区").locator(".inferred").count() == 0
    page.goto(f"{url}/#/pilot/{quote('贺兰山示范园区')}")
    page.wait_for_selector(".view-pilot h1")
    header = page.locator(".view-pilot .card-meta").first
    assert header.locator(".inferred").count() == 1 and header.locator(".inferred").get_attribute("title") == TIP
    shot(page, "pilot-inferred")


def test_paged_passages_show_their_page(page, base_url):  # noqa: F811
    url = base_url[0]
    page.goto(f"{url}/#/search?q={quote('二氧化碳捕集示范装置')}")
    page.wait_for_selector(".results .hit")
    card = page.locator(".hit").filter(has_text="示范分页园区").first
    assert "第3页" in card.locator(".trail").inner_text()
    page.goto(f"{url}/#/doc/{quote(PAGED_ID)}")
    page.wait_for_selector(".view-doc .doc-section")
    assert page.locator(".doc-section .page-no").all_inner_texts() == ["第1页", "第3页"]
