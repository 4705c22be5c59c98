"""The 上传 view in real Chromium: a pilot enters its token, finds the form prefilled for
its pilot (GET /writer), uploads a report without front matter, follows the job, and
reads one result per file, linked to the stored document; a file declaring another
pilot is refused in the same table."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.pilot_tokens import TokenStore
from api.settings import Settings
from index import KnowledgeBase
from tests.api.test_writes_http import running
from tests.conftest import write_doc
from tests.web.test_pages import CHROMIUM, DESKTOP, browser, check_and_close, open_context, shot  # noqa: F401

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed: run `make browser`")

REPORT = "甲园区2025年上半年进展报告\n一、总体进展\n（一）余热发电。园区余热发电机组上半年发电600万千瓦时。\n"
FOREIGN = (
    "---\ntitle: 冒名实施方案\npilot: 乙园区\npilot_id: park-b\npilot_type: 园区\nregion: 银川市\n"
    "doc_type: 实施方案\ndemo: true\n---\n## 一、重点任务\n冒名。\n"
)


@pytest.fixture(scope="module")
def pilot_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("upload-page")
    corpus = root / "corpus"
    summary = write_doc(
        corpus / "park-a", "summary.md", title="甲园区经验总结", pilot="甲园区", body="一、做法\n余热回收。"
    )
    summary.write_text(summary.read_text(encoding="utf-8").replace("pilot_id: 甲园区", "pilot_id: park-a"))
    settings = Settings(data_dir=root / "data", corpus_dir=corpus)
    kb = KnowledgeBase(settings.index_config())
    assert kb.ingest([corpus]).added == 1
    store = TokenStore(settings.data_dir)
    _, token = store.add("park-a", "测试")
    store.close()
    files = root / "files"
    files.mkdir()
    (files / "进展报告.txt").write_text(REPORT, encoding="utf-8")
    (files / "冒名.md").write_text(FOREIGN, encoding="utf-8")
    with running(settings, kb) as url:
        yield url, token, files
    kb.close()


def test_a_pilot_uploads_through_the_page_and_reads_each_result(browser, pilot_server):  # noqa: F811
    url, token, files = pilot_server
    context = open_context(browser, DESKTOP)
    page = context.new_page()
    page.goto(f"{url}/#/upload")
    page.get_by_label("写入令牌").fill(token)
    page.get_by_role("button", name="确定").click()
    page.wait_for_selector(".upload-form #up-files")
    assert "甲园区" in page.locator(".writer").inner_text()
    assert page.locator("#up-pilot-id").input_value() == "park-a"
    assert page.locator("#up-pilot-id").get_attribute("readonly") is not None
    assert page.locator("#up-pilot").input_value() == "甲园区"
    assert page.locator("#up-type").input_value() == "园区" and page.locator("#up-region").input_value() == "银川市"

    page.locator("#up-files").set_input_files([str(files / "进展报告.txt"), str(files / "冒名.md")])
    page.locator("#up-doc-type").select_option("进展报告")
    page.get_by_role("button", name="上传").click()
    page.wait_for_selector(".upload-table", timeout=240_000)
    rows = page.locator(".upload-table tbody tr")
    assert rows.count() == 2
    texts = [rows.nth(index).inner_text() for index in range(2)]
    ok = next(text for text in texts if "已入库" in text)
    refused = next(text for text in texts if "未导入" in text)
    assert "park-a/进展报告" in ok
    assert "park-b" in refused and "pilot_id" in refused
    assert "1 个文件已入库" in page.locator(".upload-progress").inner_text()
    shot(page, "upload-results", full_page=True)

    page.locator(".upload-table a").first.click()
    page.wait_for_selector(".view-doc h1")
    assert "进展报告" in page.locator("h1").first.inner_text()
    check_and_close(context)
