"""The officials' web page in a real browser (Debian's chromium, driven by Playwright)
against the real HTTP server over the demo-corpus subset.

Every test records the requests the page makes and fails if one leaves the machine, and
fails on any JavaScript error. Screenshots of each view go to test-output/screenshots/.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import quote, urlsplit

import docx
import pytest
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 375, "height": 812}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
PILOT = "park-ningdong-qingquan"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed: run `make browser`")


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def open_context(browser, viewport, expected_console: str = ""):
    """A fresh browser context that records its requests and page errors; console errors
    containing ``expected_console`` (a test's deliberate refusals) are not errors."""
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.requests = []
    context.errors = []
    context.on("request", lambda request: context.requests.append(request))
    context.on("weberror", lambda error: context.errors.append(str(error.error)))
    context.on(
        "console",
        lambda message: (
            message.type == "error"
            and not (expected_console and expected_console in message.text)
            and context.errors.append(message.text)
        ),
    )
    return context


def check_and_close(context):
    """Close ``context``; fail if the page reached beyond this machine or had errors."""
    foreign = [
        request.url
        for request in context.requests
        if urlsplit(request.url).scheme not in ("data", "blob") and urlsplit(request.url).hostname not in LOCAL_HOSTS
    ]
    errors = list(context.errors)
    context.close()
    assert foreign == [], f"requests left the machine: {foreign}"
    assert errors == [], f"errors in the page: {errors}"


@pytest.fixture
def page(browser):
    context = open_context(browser, DESKTOP)
    yield context.new_page()
    check_and_close(context)


@pytest.fixture
def phone(browser):
    context = open_context(browser, PHONE)
    yield context.new_page()
    check_and_close(context)


def shot(page: Page, name: str, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def wait_for_cards(page: Page) -> None:
    page.wait_for_selector(".results .card, .results .notice")


def in_view(page: Page, selector: str) -> bool:
    return page.eval_on_selector(
        selector, "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; }"
    )


# -- loading -----------------------------------------------------------------------------
def test_root_loads_with_local_assets_only(page, server):
    # How fast it loads is a speed goal for bench/, not a test: a busy CI machine is slower.
    page.goto(f"{server}/")
    page.wait_for_selector(".view-search #search-q")
    timing = page.evaluate("""() => {
        const nav = performance.getEntriesByType("navigation")[0];
        return { load: nav.loadEventEnd, ready: performance.now() };
    }""")
    assert timing["load"] > 0, timing
    assert page.url.endswith("/#/search")
    assert page.locator("footer").get_by_text("演示数据均为虚构").is_visible()
    shot(page, "home")


def test_shell_references_only_files_it_serves(http):
    html = http.get("/").text
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert "/static/app.js" in assets and "/static/app.css" in assets
    for asset in assets:
        assert http.get(asset).status_code == 200, asset
    assert "演示数据均为虚构" in html


# -- 检索 ------------------------------------------------------------------------------------
def test_type_chip_filters_results_and_back_restores_them(page, server):
    page.goto(f"{server}/#/search?q={quote('余热梯级利用')}")
    wait_for_cards(page)
    unfiltered = page.locator(".hit").evaluate_all("cards => cards.map(c => c.dataset.pilotType)")
    assert len(set(unfiltered)) > 1, "the query should reach several pilot types"
    for pilot_type in ("园区", "企业"):
        page.get_by_role("group", name="试点类型").get_by_role("button", name=pilot_type, exact=True).click()
        page.wait_for_function(
            "t => { const c = [...document.querySelectorAll('.hit')]; "
            "return c.length && c.every(x => x.dataset.pilotType === t); }",
            arg=pilot_type,
        )
        badges = page.locator(".hit .badge").all_inner_texts()
        assert badges and set(badges) == {pilot_type}
        assert f"pilot_type={quote(pilot_type)}" in page.url
        chip = page.get_by_role("button", name=pilot_type, exact=True)
        assert chip.get_attribute("aria-pressed") == "true"
    shot(page, "search")
    page.go_back()
    page.wait_for_function("() => [...document.querySelectorAll('.hit')].every(x => x.dataset.pilotType === '园区')")
    page.go_back()
    page.wait_for_function(
        "() => new Set([...document.querySelectorAll('.hit')].map(x => x.dataset.pilotType)).size > 1"
    )
    assert page.get_by_role("button", name="全部类型").get_attribute("aria-pressed") == "true"


def test_clicking_a_result_opens_the_document_at_its_section(page, server):
    page.goto(f"{server}/#/search?q={quote('分盐结晶')}&pilot_type={quote('园区')}&doc_type={quote('进展报告')}")
    wait_for_cards(page)
    first = page.locator(".hit").first
    title = first.locator(".hit-link").inner_text()
    passage = first.locator(".passage").inner_text()
    first.locator(".passage").click()
    page.wait_for_selector(".doc-section.target")
    assert page.locator("h1").inner_text() == title
    anchor = page.locator(".doc-section.target").get_attribute("id")
    assert re.search(rf"section={anchor}$", page.url)
    assert in_view(page, ".doc-section.target")
    assert page.evaluate("document.activeElement.classList.contains('target')")
    line = max(passage.split("\n"), key=len)
    middle = line[len(line) // 2 - 6 : len(line) // 2 + 6]
    assert middle in page.locator(".doc-section.target").inner_text()
    shot(page, "document")
    page.go_back()
    wait_for_cards(page)
    assert page.locator(".hit").count() > 0


def test_a_shared_section_link_opens_at_that_section(page, server, http):
    doc_id = f"{PILOT}/report-2025H1"
    sections = http.get(f"/documents/{quote(doc_id)}").json()["sections"]
    late = sections[-3]
    page.goto(f"{server}/#/doc/{doc_id}?section={late['anchor']}")
    page.wait_for_selector(f"#{late['anchor']}.target")
    assert in_view(page, f"#{late['anchor']}")
    assert not in_view(page, "h1")


# -- 问答 ------------------------------------------------------------------------------------
def test_ask_shows_a_cited_answer_whose_citations_open_their_sources(page, server):
    page.goto(f"{server}/#/ask?q={quote('余热梯级利用有哪些做法')}&pilot_type={quote('园区')}")
    page.wait_for_selector(".answer .cite")
    cites = page.locator("button.cite")
    assert cites.count() >= 1
    first = cites.first
    number = first.inner_text()
    first.click()
    assert first.get_attribute("aria-expanded") == "true"
    panel = page.locator(f"#{first.get_attribute('aria-controls')}")
    assert number in panel.inner_text() and panel.locator(".chunk").inner_text().strip()
    shot(page, "ask")
    chunk = panel.locator(".chunk").inner_text()
    panel.get_by_role("link", name="打开原文，定位到该章节").click()
    page.wait_for_selector(".doc-section.target")
    assert in_view(page, ".doc-section.target")
    line = max(chunk.split("\n"), key=len)
    assert line[len(line) // 2 - 6 : len(line) // 2 + 6] in page.locator(".doc-section.target").inner_text()


def test_ask_shows_practices_grouped_by_pilot_with_method_and_effect_apart(page, server):
    page.goto(f"{server}/#/ask?q={quote('其他园区是怎么利用余热的？')}")
    page.wait_for_selector(".answer-practice .practice-answer")
    groups = page.locator(".answer-group")
    assert groups.count() >= 2  # several parks, one section each
    pilots = groups.evaluate_all("gs => gs.map(g => g.dataset.pilot)")
    assert len(set(pilots)) == len(pilots)
    first = page.locator(".practice-answer").first
    assert first.locator(".role-method .role-label").inner_text() == "做法"
    assert first.locator(".role-method li").count() >= 1
    effects = page.locator(".role-effect")
    assert effects.count() >= 1 and effects.first.locator(".role-label").inner_text() == "成效"
    method_box = first.locator(".role-method").bounding_box()
    effect_box = page.locator(".practice-answer .role-effect").first.bounding_box()
    assert effect_box["y"] >= method_box["y"] + method_box["height"] - 1  # 成效 below 做法, not mixed in
    first.locator("button.cite").first.click()
    assert page.locator(".cite-panel .chunk").first.inner_text().strip()
    shot(page, "ask-practices", full_page=True)


def test_ask_shows_a_ranked_table_for_a_comparison(page, server):
    page.goto(f"{server}/#/ask?q={quote('哪个村的清洁取暖率最高？')}")
    page.wait_for_selector(".figure-table tbody tr")
    assert page.locator(".figure-table tbody tr").count() >= 2
    page.locator(".figure-table button.cite").first.click()
    assert page.locator(".figure-table .cite-panel").count() == 1
    shot(page, "ask-table", full_page=True)


def test_ask_about_a_years_targets_shows_each_pilots_tally_and_its_own_account(page, server):
    page.goto(f"{server}/#/ask?q={quote('凤鸣区和清泉园区2025年目标完成得怎么样？')}")
    page.wait_for_selector(".target-tally")
    tallies = page.locator(".target-tally")
    assert tallies.count() == 2
    for chip in tallies.locator(".status-chip").all_inner_texts():
        assert chip.startswith("2025年目标") and "项已完成" in chip
    assert tallies.locator("button.cite").count() == 2  # each report's own account, cited
    tallies.locator("button.cite").first.click()
    assert page.locator(".target-tally .cite-panel").count() == 1
    shot(page, "ask-tallies", full_page=True)


def test_search_grouped_by_pilot(page, server):
    page.goto(f"{server}/#/search?q={quote('余热')}&pilot_type={quote('园区')}")
    wait_for_cards(page)
    page.get_by_label("按试点分组").check()
    page.wait_for_selector(".pilot-group")
    groups = page.locator(".pilot-group")
    assert groups.count() >= 2
    assert "group=pilot" in page.url
    titles = groups.evaluate_all("gs => gs.map(g => g.getAttribute('aria-label'))")
    assert len(set(titles)) == len(titles)
    assert page.locator(".pilot-group .trail mark, .pilot-group .passage mark").count() >= groups.count()
    shot(page, "search-grouped", full_page=True)


def test_ask_says_plainly_when_nothing_is_found(page, server):
    page.goto(f"{server}/#/ask?q={quote('火星上的碳达峰试点有几个宇航员')}")
    notice = page.wait_for_selector(".not-found")
    assert "知识库中没有" in notice.inner_text()
    assert page.locator(".related-list li").count() >= 1
    assert page.locator("button.cite").count() == 0
    shot(page, "ask-not-found")


# -- 经验做法 --------------------------------------------------------------------------------
def test_practices_by_type_and_field_link_to_their_sources(page, server):
    page.goto(f"{server}/#/practices?pilot_type={quote('乡村')}&field={quote('绿色低碳农业')}")
    page.wait_for_selector(".results .practice")
    cards = page.locator(".practice")
    assert set(cards.evaluate_all("cs => cs.map(c => c.dataset.pilotType)")) == {"乡村"}
    assert all("绿色低碳农业" in tags for tags in page.locator(".practice .tags").all_inner_texts())
    shot(page, "practices")
    source = cards.first.locator(".sources a").first
    assert "section=s-" in source.get_attribute("href")
    source.click()
    page.wait_for_selector(".doc-section.target")
    assert in_view(page, ".doc-section.target")


# -- 试点 ------------------------------------------------------------------------------------
def test_pilot_page_draws_indicator_charts_with_period_labels(page, server, http):
    expected = http.get(f"/pilots/{PILOT}").json()
    series = [item for item in expected["indicators"] if len(item["points"]) >= 2]
    page.goto(f"{server}/#/pilot/{PILOT}")
    page.wait_for_selector("svg.line-chart")
    charts = page.locator("figure.chart")
    assert charts.count() == len(series) >= 3
    for index, item in enumerate(series):
        chart = charts.nth(index)
        caption = chart.locator("figcaption").inner_text()
        assert item["name"] in caption
        # The caption names the kind: a series of full-year figures says so (全年数).
        assert {"半年": "半年数", "全年": "全年数", "累计": "期末累计数"}.get(item["period_kind"], "") in caption
        assert chart.locator("svg polyline.series-line").count() == 1
        svg_texts = "els => els.map(el => el.textContent)"  # SVG text has no innerText
        labels = chart.locator(".period-label").evaluate_all(svg_texts)
        assert labels == [p["label"] for p in item["points"]]
        # Labels as a reader says them: 2025H1 for a half-year, 2024年 for a full year.
        if item["period_kind"] == "全年":
            assert all(re.fullmatch(r"20\d\d年", label) for label in labels)
        if item["period_kind"] == "半年":
            assert all(re.fullmatch(r"20\d\dH[12]", label) for label in labels)
        labels = [re.sub(r"%$", "", text) for text in chart.locator(".point-label").evaluate_all(svg_texts)]
        assert [float(text) for text in labels] == [p["value"] for p in item["points"]]
    assert page.locator(".similar > li").count() >= 1
    assert page.locator(".reasons li").count() >= 1
    latest_report = max(doc["period"] for doc in expected["documents"] if doc["doc_type"] == "进展报告")
    assert page.locator(".timeline .period-name").all_inner_texts()[-1] == latest_report
    shot(page, "pilot")
    shot(page, "pilot-full", full_page=True)


def test_pilot_page_lists_targets_and_draws_target_lines(page, server, http):
    targets = http.get(f"/pilots/{PILOT}/targets").json()
    page.goto(f"{server}/#/pilot/{PILOT}")
    page.wait_for_selector(".targets-table")
    rows = page.locator(".targets-table tbody tr")
    assert rows.count() == len(targets)
    chips = rows.locator(".status-chip").all_inner_texts()
    assert sorted(chips) == sorted(target["status"] for target in targets)
    met = next(t for t in targets if t["status"] == "已完成" and t["credited"])
    row = page.locator(f"#target-{met['target_id']}")
    assert row.locator(".credited a").count() == len(met["credited"])
    assert met["target_source"]["sentence"] in row.locator("blockquote.cited").first.inner_text()
    # A chart of an indicator with a target draws it as a dashed line labelled with its year.
    lines = page.locator("figure.chart .target-line")
    assert lines.count() >= 1
    assert re.search(r"20\d\d年目标", lines.first.locator("text").evaluate("el => el.textContent"))
    shot(page, "pilot-targets", full_page=True)


def test_pilots_list_and_overview_count_what_the_api_holds(page, server, http):
    page.goto(f"{server}/#/pilots")
    page.wait_for_selector(".pilot-item")
    assert page.locator(".pilot-item").count() == len(http.get("/pilots").json())
    shot(page, "pilots")
    page.get_by_role("link", name="概览").click()
    page.wait_for_selector(".matrix-table")
    page.locator("details.inventory summary").click()
    page.wait_for_selector("table.bars")
    totals = dict(
        zip(page.locator(".total-label").all_inner_texts(), page.locator(".total-value").all_inner_texts(), strict=True)
    )
    assert totals["试点"] == "16" and totals["文档"] == str(len(http.get("/documents").json()))
    first_table = page.locator("table.bars").first
    assert sum(int(n) for n in first_table.locator(".count").all_inner_texts()) == int(totals["文档"])
    shot(page, "overview-inventory", full_page=True)


def test_overview_is_the_progress_dashboard(page, server, http):
    """Reporting status, the pilots × key-targets matrix and sortable comparison tables,
    each as the API has them; a matrix dot opens the pilot's target with its sources."""
    progress = http.get("/progress").json()
    page.goto(f"{server}/#/overview")
    page.wait_for_selector(".matrix-table")
    rows = page.locator(".reporting-table tbody tr")
    assert rows.count() == len(progress["reporting"])
    assert page.locator(".reporting-table .slot-in").count() == sum(
        1 for item in progress["reporting"] for slot in item["slots"] if slot["doc_id"]
    )
    assert page.locator(".matrix-table tbody tr").count() == len(progress["matrix"])
    dots = page.locator(".matrix-table .dot")
    assert dots.count() == sum(len(cells) for row in progress["matrix"] for cells in row["cells"].values())
    lagging = page.locator(".matrix-table .dot.status-滞后")
    assert lagging.count() == sum(
        1 for row in progress["matrix"] for cells in row["cells"].values() for cell in cells if cell["status"] == "滞后"
    )
    table = page.locator("table.comparison").first
    comparison = progress["comparisons"][0]
    assert table.locator("caption").inner_text() == comparison["title"]
    cells = table.locator("td.num:nth-child(3)")

    def values():
        return [float(v) for v in cells.evaluate_all("cells => cells.map(c => c.dataset.value)")]

    assert values() == sorted(values(), reverse=True)
    table.get_by_role("button", name="按最新值排序").click()
    assert values() == sorted(values(), reverse=True)
    table.get_by_role("button", name="按最新值排序").click()
    assert values() == sorted(values())
    link = table.locator("td.num a").first
    assert "#/doc/" in link.get_attribute("href") and link.get_attribute("title")
    shot(page, "overview", full_page=True)
    lagging.first.click()
    page.wait_for_selector(".targets-table tr.selected")
    selected = page.locator(".targets-table tr.selected")
    assert "滞后" in selected.locator(".status-chip").inner_text()
    assert selected.locator("blockquote.cited").count() == 2  # the plan's sentence and the latest report's
    shot(page, "pilot-target-selected")


# -- 汇编 ------------------------------------------------------------------------------------
def test_compile_picks_orders_previews_and_downloads(page, server, http, tmp_path):
    page.goto(f"{server}/#/compile")
    page.get_by_label("园区", exact=True).check()
    page.get_by_role("button", name="列出做法").click()
    page.wait_for_selector(".field-group .pick")
    listed = http.post("/compile/selection", json={"pilot_types": ["园区"]}).json()
    boxes = page.locator("input[name=pick]")
    assert boxes.count() == len(listed["items"])
    for item in listed["items"]:
        box = page.locator(f"input[name=pick][value='{item['practice_id']}']")
        assert box.is_checked() is not item["routine"], item["title"]
    groups = page.locator(".field-group .group-name").all_inner_texts()
    assert groups == listed["fields"] and len(groups) >= 2
    # Drop the first practice, move the second field group up, set the cover.
    dropped = next(item for item in listed["items"] if not item["routine"])
    page.locator(f"input[name=pick][value='{dropped['practice_id']}']").uncheck()
    page.get_by_role("button", name=f"{groups[1]} 上移").click()
    order = page.locator(".field-group .group-name").all_inner_texts()
    assert order[:2] == [groups[1], groups[0]]
    page.get_by_label("编印单位").fill("宁夏回族自治区发展和改革委员会")
    page.get_by_label("日期").fill("2026-07-01")
    page.get_by_role("button", name="预览文字").click()
    page.wait_for_selector(".markdown h2")
    preview = page.locator(".markdown").inner_text()
    assert "宁夏回族自治区发展和改革委员会" in preview and f"{dropped['title']}（" not in preview
    kept = [item for item in listed["items"] if not item["routine"] and item is not dropped]
    assert all(item["title"] in preview for item in kept)
    shot(page, "compile")
    # Page images as the Word/PDF file lays them out (LibreOffice; slow on a busy machine).
    if shutil.which("soffice") and shutil.which("pdftoppm"):
        page.get_by_role("button", name="预览页面").click()
        page.wait_for_selector(".page-images img", timeout=400_000)
        assert page.locator(".page-images img").count() >= 4
        shot(page, "compile-pages", full_page=False)
    with page.expect_download(timeout=400_000) as info:
        page.get_by_role("button", name="下载 Word 文件").click()
    download = info.value
    assert download.suggested_filename == "汇编.docx"
    target = tmp_path / "汇编.docx"
    download.save_as(target)
    document = docx.Document(str(target))
    level_1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    headings = [re.sub(r"^[一二三四五六七八九十]+、", "", text) for text in level_1]
    assert headings[:2] == order[:2] and headings[-1] == "参考来源"
    titles = [p.text for p in document.paragraphs if p.style.name == "Heading 3"]
    assert not [t for t in titles if t.endswith(f" {dropped['title']}")] and len(titles) == len(kept)
    assert "宁夏回族自治区发展和改革委员会" in "".join(p.text for p in document.paragraphs[:20])


# -- phone width and keyboard ----------------------------------------------------------------
PHONE_VIEWS = {
    "search": f"#/search?q={quote('余热')}",
    "document": f"#/doc/{PILOT}/report-2025H1",
    "pilot": f"#/pilot/{PILOT}",
    "practices": f"#/practices?pilot_type={quote('园区')}",
    "overview": "#/overview",
    "compile": f"#/compile?pilot_types={quote('乡村')}&preview=1",
    "ask": f"#/ask?q={quote('屋顶光伏是怎么推广的')}",
}


def test_every_view_fits_a_phone_without_horizontal_scroll(phone, server):
    for name, route in PHONE_VIEWS.items():
        phone.goto("about:blank")
        phone.goto(f"{server}/{route}")
        phone.wait_for_selector(".view :is(.card, .doc-section, table, .markdown, .chart, .answer, .notice)")
        phone.wait_for_load_state("networkidle")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, (name, width)
        shot(phone, f"phone-{name}")


def test_keyboard_alone_can_search_filter_and_navigate(page, server):
    page.goto(f"{server}/#/overview")
    page.wait_for_selector("table.matrix-table")  # the dashboard has loaded
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "skip-link"
    assert in_view(page, "#skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    search = page.get_by_role("navigation", name="主导航").get_by_role("link", name="检索")
    search.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".view-search")
    assert page.evaluate("document.activeElement.id") == "search-q"
    page.keyboard.type("余热")
    page.keyboard.press("Enter")
    wait_for_cards(page)
    for _ in range(4):  # 检索 button, 全部类型, 城市, 园区
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "园区"
    page.keyboard.press("Space")
    page.wait_for_function("() => [...document.querySelectorAll('.hit')].every(x => x.dataset.pilotType === '园区')")
    focused = page.evaluate("""() => { const el = document.activeElement; const s = getComputedStyle(el);
        return { text: el.textContent, outline: s.outlineStyle, width: parseFloat(s.outlineWidth) }; }""")
    assert focused["text"] == "园区" and focused["outline"] != "none" and focused["width"] >= 2
    nav = page.get_by_role("navigation", name="主导航").get_by_role("link", name="经验做法")
    nav.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".view-practices .practice")
    assert nav.get_attribute("aria-current") == "page"
