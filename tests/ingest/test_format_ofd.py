"""OFD ingest: the same report as the PDF tests, written as OFD by tests/ofd_writer.py
(running header in a template page, page numbers in the page content, text objects in
any order), and the files that must be refused."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from ingest.documents import FormatError, ParsedBody
from ingest.formats import ofd, zip_bomb
from ingest.loader import parse_file
from tests.conftest import small_kb
from tests.ofd_writer import flow, scanned_page_png, write_ofd
from tests.paged_report import ENERGY, ENERGY_PAGE_2, HEADER, PARAGRAPHS, PLAN_CCUS, TITLE, report_layout

SIDECAR = """title: 贺兰山示范园区碳达峰试点2025年上半年工作进展报告
pilot: 贺兰山示范园区
pilot_id: demo-helanshan-park
pilot_type: 园区
region: 银川市
doc_type: 进展报告
period: 2025H1
demo: true
"""

EXPECTED_PATHS = [
    (),
    ("一、总体进展", "（一）推进余热梯级利用"),
    ("一、总体进展", "（一）推进余热梯级利用", "1.实施焦化余热发电改造"),
    ("一、总体进展", "（一）推进余热梯级利用", "2.建设园区集中供汽管网"),
    ("一、总体进展", "（二）推动能源结构调整"),
    ("二、存在问题",),
    ("三、下半年工作安排", "（一）开展二氧化碳捕集利用试点"),
    ("三、下半年工作安排", "（二）完善碳排放监测体系"),
]


@pytest.fixture(scope="module")
def layout():
    return report_layout()


@pytest.fixture(scope="module")
def report_ofd(layout) -> bytes:
    # Objects written bottom-up: only their positions give the reading order.
    return write_ofd(layout.pages, header=HEADER, reverse_objects=True)


@pytest.fixture(scope="module")
def parsed(report_ofd) -> ParsedBody:
    return ofd.parse(report_ofd)


def _blocks(body: ParsedBody) -> list[tuple[str, int]]:
    return [(block, section.page_of(index)) for section in body.sections for index, block in enumerate(section.blocks)]


def _page_of_text(body: ParsedBody, text: str) -> int:
    pages = [page for block, page in _blocks(body) if text in block]
    assert len(pages) == 1, (text, pages)
    return pages[0]


def test_heading_paths_follow_the_official_numbering(parsed, layout):
    assert parsed.page_count == len(layout.pages) == 3
    assert [section.heading_path for section in parsed.sections] == EXPECTED_PATHS


def test_pages_header_footer_and_the_paragraph_over_the_page_break(parsed, layout):
    for paragraph in PARAGRAPHS:
        if isinstance(paragraph, str) and len(paragraph) > 12:
            assert _page_of_text(parsed, paragraph[:12]) == layout.page_of(paragraph[:12]), paragraph
    assert layout.page_of(ENERGY_PAGE_2) == 2 and layout.page_of(ENERGY[:12]) == 1
    assert _page_of_text(parsed, ENERGY_PAGE_2) == 2
    section = next(s for s in parsed.sections if s.heading_path[-1:] == ("（二）推动能源结构调整",))
    assert "".join(section.blocks[:2]) == ENERGY and section.pages[:2] == [1, 2]
    text = "\n".join(block for block, _ in _blocks(parsed))
    assert HEADER not in text and not re.search(r"-\s*\d\s*-", text)


def test_text_drawn_twice_for_fake_bold_reads_once(layout):
    pages = [list(page) for page in layout.pages]
    heading = next(item for item in pages[0] if getattr(item, "text", "") == "一、总体进展")
    pages[0].append(heading)
    body = ofd.parse(write_ofd(pages, header=HEADER))
    assert [section.heading_path for section in body.sections] == EXPECTED_PATHS


def test_title_from_docinfo_else_from_the_first_page(layout):
    declared = "贺兰山示范园区2025年上半年进展报告（OFD）"
    assert ofd.parse(write_ofd(layout.pages, title=declared, header=HEADER)).title == declared
    assert ofd.parse(write_ofd(layout.pages, title="untitled", header=HEADER)).title == TITLE


def test_page_number_styles_are_dropped_on_every_page():
    paragraphs = ["一、基本情况", "园区推进余热利用，年节约标准煤1.2万吨。", "二、下一步安排", "推进光伏建设。"]
    layout = flow(paragraphs, lines_per_page=2)
    body = ofd.parse(write_ofd(layout.pages, page_number="第 {n} 页 共 2 页"))
    assert [block for block, _ in _blocks(body)] == [paragraphs[1], paragraphs[3]]
    assert [section.pages for section in body.sections] == [[1], [2]]


def test_scanned_ofd_is_refused_with_advice_to_ocr():
    raw = write_ofd([[], []], page_number="", scan=scanned_page_png())
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert "Doc_0/Res/scan.png" in archive.namelist()
    with pytest.raises(FormatError) as caught:
        ofd.parse(raw)
    assert str(caught.value) == "OFD 没有文字层（可能是扫描件），需先做 OCR"


def _rezip(raw: bytes, change) -> bytes:
    """The OFD with its members passed through ``change(name, data) -> [(name, data)]``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            for new_name, data in change(name, source.read(name)):
                target.writestr(new_name, data)
    return out.getvalue()


def _encrypted_flag(raw: bytes) -> bytes:
    """Set the 'encrypted' bit on every member, in local and central headers alike."""
    data = bytearray(raw)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start != -1:
            data[start + offset] |= 0x1
            start = data.find(signature, start + 4)
    return bytes(data)


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda raw: raw[: len(raw) // 2], "不是有效的 OFD 文件"),
        (lambda raw: b"%PDF-1.7 not an ofd", "不是有效的 OFD 文件"),
        (lambda raw: _rezip(raw, lambda n, d: [] if n == "OFD.xml" else [(n, d)]), "没有 OFD.xml"),
        (
            lambda raw: _rezip(raw, lambda n, d: [(n, d[: len(d) // 2] if n.endswith("Document.xml") else d)]),
            "OFD 文件已损坏",
        ),
        (
            # DocRoot outside the package: a path-traversal attempt finds nothing.
            lambda raw: _rezip(
                raw,
                lambda n, d: (
                    [(n, d.replace(b"Doc_0/Document.xml", b"../../Doc_0/Document.xml"))]
                    if n == "OFD.xml"
                    else [("../../" + n if n.endswith("Document.xml") else n, d)]
                ),
            ),
            "OFD 文件已损坏",
        ),
        (
            lambda raw: _rezip(raw, lambda n, d: [(n, b"<!DOCTYPE x [<!ENTITY a 'b'>]>" + d if n == "OFD.xml" else d)]),
            "不允许的内容",
        ),
        (_encrypted_flag, "OFD 已加密，无法读取"),
    ],
    ids=["truncated", "not-zip", "no-ofd-xml", "broken-xml", "path-traversal", "dtd", "encrypted"],
)
def test_bad_ofd_is_refused(report_ofd, damage, expected):
    with pytest.raises(FormatError) as caught:
        ofd.parse(damage(report_ofd))
    assert expected in str(caught.value)


def test_zip_bomb_is_refused_unread(report_ofd, monkeypatch):
    bomb = _rezip(
        report_ofd, lambda n, d: [(n, d), ("Doc_0/Res/padding.bin", b"\0" * 3_000_000)] if n == "OFD.xml" else [(n, d)]
    )
    assert len(bomb) < 100_000  # compresses to almost nothing
    monkeypatch.setattr(zip_bomb, "MAX_UNPACKED_BYTES", 2_000_000)
    with pytest.raises(FormatError) as caught:
        ofd.parse(bomb)
    assert "压缩炸弹" in str(caught.value)


def _write_with_sidecar(folder: Path, name: str, raw: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(raw)
    (folder / f"{name}.meta.yaml").write_text(SIDECAR, encoding="utf-8")
    return path


def test_loader_reads_an_ofd_with_a_sidecar(tmp_path, report_ofd):
    path = _write_with_sidecar(tmp_path, "report-2025H1.ofd", report_ofd)
    document, report = parse_file(path)
    assert report.status == "ok" and document is not None
    assert document.meta.title == TITLE and document.doc_id == "demo-helanshan-park/report-2025H1"
    assert [section.heading_path for section in document.sections] == EXPECTED_PATHS


def test_ofd_ingested_into_the_knowledge_base_is_found_with_its_page(tmp_path, report_ofd, layout):
    _write_with_sidecar(tmp_path / "corpus" / "helanshan", "report-2025H1.ofd", report_ofd)
    kb = small_kb(tmp_path / "data")
    try:
        report = kb.ingest([tmp_path / "corpus"])
        assert not report.errors and report.added == 1
        hits = kb.search("二氧化碳捕集示范装置", top_k=3)
        assert hits and PLAN_CCUS in hits[0].record.text
        assert hits[0].record.doc_id == "demo-helanshan-park/report-2025H1"
        assert hits[0].record.metadata["page"] == layout.page_of(PLAN_CCUS) == 2
    finally:
        kb.close()
