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
from tests.web.test_pages import CHROMIUM, DESKTOP, PHONE, browser, check_and_close, open_context, shot  # noqa: F401

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed: run `make browser`")

REPORT = "甲园区2025年上半年进展报告\n一、总体进展\n（一）余热发电。园区余热发电机组上半年发电600万千瓦时。\n"
FOREIGN = (
    "---\ntitle: 冒名实施方案\npilot: 乙园区\npilot_id: park-b\npilot_type: 园区\nregion: 银川市\n"
    "doc_type: 实施方案\ndemo: true\n---\n## 一、重点任务\n冒名。\n"
)
# Front matter with a kind outside the vocabulary: the file's own mistake, refused.
BAD_KIND = "---\ntitle: 工作日志\npilot_type: 园区\nregion: 银川市\ndoc_type: 工作日志\n---\n一、进展\n内容。\n"


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
    (files / "下半年报告.txt").write_text(REPORT.replace("上半年", "下半年"), encoding="utf-8")
    (files / "工作日志.md").write_text(BAD_KIND, encoding="utf-8")
    (files / "说明.txt").write_text("一些说明\n这里没有可以推断的内容。\n", encoding="utf-8")
    (files / "图片.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
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
    # What park-a's documents declare cannot be changed from its token (the server refuses it).
    assert page.locator("#up-pilot").get_attribute("readonly") is not None
    assert page.locator("#up-type").is_disabled() and page.locator("#up-region").is_disabled()
    assert "联系发改委" in page.locator(".upload-form").inner_text()
    shot(page, "upload-form-pilot")

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
    # The sent files leave the picker: 「上传」 again would send them twice.
    assert page.locator("#up-files").evaluate("input => input.files.length") == 0
    assert "未选择文件" in page.locator("#up-files-chosen").inner_text()
    shot(page, "upload-results", full_page=True)

    page.locator(".upload-table a").first.click()
    page.wait_for_selector(".view-doc h1")
    assert "进展报告" in page.locator("h1").first.inner_text()
    # The title was inferred: an uploader is told to declare it in the upload form, not a sidecar.
    note = page.locator(".inferred-note").inner_text()
    assert "表单" in note and "meta.yaml" not in note, note
    check_and_close(context)


def _enter_token(page, url: str, token: str) -> None:
    page.goto(f"{url}/#/upload")
    page.get_by_label("写入令牌").fill(token)
    page.get_by_role("button", name="确定").click()
    page.wait_for_selector(".upload-form #up-files")


def _upload(page, paths: list[Path]) -> None:
    page.locator("#up-files").set_input_files([str(path) for path in paths])
    page.get_by_role("button", name="上传").click()
    page.wait_for_selector(".upload-table", timeout=240_000)


def _wraps(page, selector: str) -> list[str]:
    """The texts of ``selector`` that the browser lays out on more than one line."""
    return page.eval_on_selector_all(
        selector,
        """cells => cells.filter(cell => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size > 1;
        }).map(cell => cell.innerText)""",
    )


def test_a_partly_failed_upload_says_how_many_failed_and_lists_each_file_once(browser, pilot_server):  # noqa: F811
    """One of four files stored: the summary counts both, in a warning (not the success
    green); each file has one row (the unrecognised one is not listed twice), each error
    names its field once, and the 结果 labels stay on one line, on a desktop and a phone."""
    url, token, files = pilot_server
    for viewport in (DESKTOP, PHONE):
        context = open_context(browser, viewport)
        page = context.new_page()
        _enter_token(page, url, token)
        _upload(page, [files / "下半年报告.txt", files / "工作日志.md", files / "说明.txt", files / "图片.png"])
        summary = page.locator(".upload-progress > *")
        assert "1 个文件已入库" in summary.inner_text() and "3 个未导入" in summary.inner_text()
        assert "warning" in (summary.get_attribute("class") or "") and "done" not in summary.get_attribute("class")
        assert page.locator(".upload-table tbody tr").count() == 4
        assert page.locator(".upload-results li, .upload-results tr", has_text="图片.png").count() == 1
        bad_kind = page.locator(".upload-table tr", has_text="工作日志.md").inner_text()
        assert bad_kind.count("doc_type") == 1 and "doc_type（文档类型）" in bad_kind, bad_kind
        picture = page.locator(".upload-table tr", has_text="图片.png").inner_text()
        assert "字段：文件 files" in picture, picture
        no_type = page.locator(".upload-table tr", has_text="说明.txt").inner_text()
        assert "请在表单中选择文档类型" in no_type and "meta.yaml" not in no_type, no_type
        assert _wraps(page, ".upload-table td:nth-child(2), .upload-table th:nth-child(2)") == []
        shot(page, f"upload-partly-failed-{viewport['width']}", full_page=True)
        check_and_close(context)


def test_an_upload_with_no_file_stored_shows_as_an_error(browser, pilot_server):  # noqa: F811
    url, token, files = pilot_server
    context = open_context(browser, DESKTOP)
    page = context.new_page()
    _enter_token(page, url, token)
    _upload(page, [files / "工作日志.md", files / "说明.txt"])
    summary = page.locator(".upload-progress > *")
    assert "0 个文件已入库" in summary.inner_text() and "2 个未导入" in summary.inner_text()
    assert "error" in (summary.get_attribute("class") or "")
    assert summary.get_attribute("role") == "alert"
    check_and_close(context)


def test_a_refused_upload_keeps_its_files_for_a_corrected_form(browser, pilot_server, tmp_path):  # noqa: F811
    url, token, _ = pilot_server
    unreadable = tmp_path / "扫描件.bin"
    unreadable.write_bytes(bytes(range(256)) * 8)
    context = open_context(browser, DESKTOP, expected_console="status of 415")
    page = context.new_page()
    _enter_token(page, url, token)
    page.locator("#up-files").set_input_files([str(unreadable)])
    page.get_by_role("button", name="上传").click()
    refusal = page.locator(".upload-progress .notice.error")
    refusal.wait_for(timeout=60_000)
    assert "扫描件.bin" in refusal.inner_text()
    # Nothing was taken: the chosen file is still there to send again.
    assert page.locator("#up-files").evaluate("input => input.files.length") == 1
    assert "扫描件.bin" in page.locator("#up-files-chosen").inner_text()
    check_and_close(context)


def test_the_upload_form_speaks_chinese_and_takes_files_by_keyboard_or_drop(browser, pilot_server):  # noqa: F811
    """No English on the form: not 「front matter」 alone, not the browser's own 「Choose
    Files / No file chosen」 (the input is hidden under a Chinese button); the hidden input
    still takes keyboard focus, and files dropped on the picker are taken."""
    url, token, _ = pilot_server
    context = open_context(browser, DESKTOP)
    page = context.new_page()
    _enter_token(page, url, token)
    form = page.locator(".upload-form")
    assert "front matter" not in form.inner_text().replace("（front matter）", "")
    box = page.locator("#up-files").bounding_box()
    assert box is None or (box["width"] <= 1 and box["height"] <= 1)  # the native widget is not shown
    picker = page.locator(".file-picker")
    assert "选择文件" in picker.inner_text() and "未选择文件" in picker.inner_text()
    page.locator("#up-title").focus()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "up-files"
    page.locator(".file-picker").dispatch_event(
        "drop",
        {
            "dataTransfer": page.evaluate_handle(
                """() => { const data = new DataTransfer();
                data.items.add(new File(["甲园区2025年下半年进展报告"], "拖入.txt", { type: "text/plain" }));
                return data; }"""
            )
        },
    )
    assert page.evaluate("document.querySelector('#up-files').files.length") == 1
    assert "拖入.txt" in picker.inner_text()
    check_and_close(context)


def test_a_new_pilot_finds_its_form_open_and_its_id_named_once(browser, pilot_server):  # noqa: F811
    """A pilot with no document yet: nothing is fixed, and it is named by its id once
    (the second probe read 「试点 village-demo-new4（village-demo-new4）」)."""
    url, _, files = pilot_server
    store = TokenStore(files.parent / "data")  # the fixture's data folder, beside its files
    _, token = store.add("park-newcomer", "测试")
    store.close()
    context = open_context(browser, DESKTOP)
    page = context.new_page()
    _enter_token(page, url, token)
    writer = page.locator(".writer").inner_text()
    assert writer.count("park-newcomer") == 1, writer
    assert page.locator("#up-pilot").get_attribute("readonly") is None and not page.locator("#up-type").is_disabled()
    check_and_close(context)
