"""PDF ingest: reading order, page numbers, headers and footers, paragraphs over page
breaks, tables, titles, and the files that must be refused (scanned, encrypted,
corrupt). The PDFs are typeset by the tests themselves (tests/pdf_writer.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ingest.documents import FormatError, ParsedBody
from ingest.formats import pdf
from ingest.loader import parse_file
from tests.conftest import small_kb
from tests.paged_report import (
    ENERGY,
    ENERGY_PAGE_2,
    HEADER,
    PARAGRAPHS,
    PLAN_CCUS,
    PROBLEMS,
    TABLE,
    TITLE,
    report_layout,
)
from tests.pdf_writer import encrypted, image_only_pdf, write_pdf

SIDECAR = """title: 贺兰山示范园区碳达峰试点2025年上半年工作进展报告
pilot: 贺兰山示范园区
pilot_id: demo-helanshan-park
pilot_type: 园区
region: 银川市
doc_type: 进展报告
period: 2025H1
fields: [节能降碳增效]
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
def report_pdf(layout) -> bytes:
    return write_pdf(layout.pages, title=TITLE, header=HEADER)


@pytest.fixture(scope="module")
def parsed(report_pdf) -> ParsedBody:
    return pdf.parse(report_pdf)


def _blocks(body: ParsedBody) -> list[tuple[str, int]]:
    return [(block, section.page_of(index)) for section in body.sections for index, block in enumerate(section.blocks)]


def _page_of_text(body: ParsedBody, text: str) -> int:
    pages = [page for block, page in _blocks(body) if text in block]
    assert len(pages) == 1, (text, pages)
    return pages[0]


def test_heading_paths_follow_the_official_numbering(parsed, layout):
    assert len(layout.pages) == 3 and parsed.page_count == 3
    assert [section.heading_path for section in parsed.sections] == EXPECTED_PATHS


def test_every_paragraph_carries_the_page_it_starts_on(parsed, layout):
    for paragraph in PARAGRAPHS:
        if isinstance(paragraph, str) and len(paragraph) > 12:
            start = paragraph[:12]
            assert _page_of_text(parsed, start) == layout.page_of(start), paragraph
    # Known from the layout: this sentence is on page 2, its paragraph starts on page 1.
    assert layout.page_of(ENERGY_PAGE_2) == 2 and layout.page_of(ENERGY[:12]) == 1
    assert _page_of_text(parsed, ENERGY_PAGE_2) == 2


def test_running_header_and_page_numbers_are_dropped(parsed):
    text = "\n".join(block for block, _ in _blocks(parsed))
    assert HEADER not in text
    assert not re.search(r"-\s*\d\s*-", text)
    assert parsed.title == TITLE
    assert TITLE not in text  # the title is metadata, not a paragraph


def test_paragraph_running_over_a_page_break_is_joined(parsed, layout):
    starts = {page for _, page in layout.starts[PARAGRAPHS.index(ENERGY)]}
    assert starts == {1, 2}  # the fixture really breaks this paragraph across pages
    section = next(s for s in parsed.sections if s.heading_path[-1:] == ("（二）推动能源结构调整",))
    assert "".join(section.blocks[:2]) == ENERGY
    assert section.pages[:2] == [1, 2]
    # Wrapped lines inside a page are joined without spaces as well.
    assert _page_of_text(parsed, PROBLEMS) == layout.page_of(PROBLEMS)


def test_ruled_table_becomes_rows_that_repeat_the_header(parsed):
    blocks = [block for block, _ in _blocks(parsed)]
    header = TABLE[0]
    for row in TABLE[1:]:
        expected = "；".join(f"{name}：{value}" for name, value in zip(header, row, strict=True)) + "。"
        assert expected in blocks


def test_title_comes_from_the_layout_when_metadata_has_none(layout):
    for declared in ("", "Microsoft Word - 文档1.docx", "无标题"):
        body = pdf.parse(write_pdf(layout.pages, title=declared, header=HEADER))
        assert body.title == TITLE, declared
        assert [section.heading_path for section in body.sections] == EXPECTED_PATHS


def test_single_page_page_number_lines_are_dropped_in_any_style():
    from tests.ofd_writer import flow

    layout = flow(["一、基本情况", "园区推进余热利用，年节约标准煤1.2万吨。"], lines_per_page=30)
    for style in ("第 {n} 页 共 1 页", "{n}", "— {n} —", "{n}/1"):
        body = pdf.parse(write_pdf(layout.pages, page_number=style))
        blocks = [block for block, _ in _blocks(body)]
        assert blocks == ["园区推进余热利用，年节约标准煤1.2万吨。"], style


def test_text_drawn_twice_for_fake_bold_reads_once(layout):
    pages = [list(page) for page in layout.pages]
    heading = next(item for item in pages[0] if getattr(item, "text", "") == "一、总体进展")
    pages[0].append(heading)  # drawn a second time on the same spot
    body = pdf.parse(write_pdf(pages, title=TITLE, header=HEADER))
    assert [section.heading_path for section in body.sections] == EXPECTED_PATHS


def test_scanned_pdf_is_refused_with_advice_to_ocr():
    with pytest.raises(FormatError) as caught:
        pdf.parse(image_only_pdf(pages=2))
    assert str(caught.value) == "PDF 没有文字层（可能是扫描件），需先做 OCR"


def test_mostly_scanned_pdf_names_its_empty_pages():
    with pytest.raises(FormatError) as caught:
        pdf.parse(image_only_pdf(pages=5, text_pages=(1, 4)))
    message = str(caught.value)
    assert "第2–3、5页没有文字层" in message and "OCR" in message


@pytest.mark.parametrize("algorithm", ["AES-256", "RC4-128"])
def test_encrypted_pdf_is_refused(report_pdf, algorithm):
    with pytest.raises(FormatError) as caught:
        pdf.parse(encrypted(report_pdf, user_password="open-sesame", algorithm=algorithm))
    assert "PDF 已加密，无法读取" in str(caught.value)


@pytest.mark.parametrize(("algorithm", "print_only"), [("AES-256", False), ("AES-128", True), ("RC4-40", False)])
def test_pdf_with_only_an_owner_password_is_read(report_pdf, parsed, algorithm, print_only):
    """Opened with the empty user password, even when its permissions forbid copying
    (they restrict what a viewer offers, not what an index may read)."""
    body = pdf.parse(encrypted(report_pdf, user_password="", algorithm=algorithm, print_only=print_only))
    assert body.sections == parsed.sections
    assert body.title == TITLE


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],  # truncated
        lambda raw: raw[:-40],  # lost its ending
        lambda raw: raw.replace(b"/Root", b"/Rxxx").replace(b"startxref", b"startxxxx"),  # no document catalog
        lambda raw: b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n",  # header, then garbage
        lambda raw: b"PK\x03\x04 this is a zip, not a pdf",
    ],
    ids=["truncated", "no-ending", "no-catalog", "garbage", "not-pdf"],
)
def test_corrupt_pdf_is_refused(report_pdf, damage):
    with pytest.raises(FormatError) as caught:
        pdf.parse(damage(report_pdf))
    assert "PDF" in str(caught.value)


def _office_docx(path: Path) -> Path:
    """The report as a Word document: running header, 「第 N 页」 footer, first-line
    indents, the indicator table, and the title only in the document properties."""
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = HEADER
    footer = section.footer.paragraphs[0]
    footer.add_run("第 ")
    field_run = footer.add_run()
    for kind, instruction in (("begin", None), (None, "PAGE"), ("end", None)):
        element = OxmlElement("w:fldChar" if kind else "w:instrText")
        if kind:
            element.set(qn("w:fldCharType"), kind)
        else:
            element.text = instruction
        field_run._r.append(element)
    footer.add_run(" 页")
    document.core_properties.title = TITLE
    for _ in range(3):  # long enough for several pages
        for item in PARAGRAPHS:
            if isinstance(item, tuple):
                table = document.add_table(rows=len(item), cols=len(item[0]))
                table.style = "Table Grid"
                for row_index, row in enumerate(item):
                    for column, value in enumerate(row):
                        table.cell(row_index, column).text = value
                continue
            paragraph = document.add_paragraph(item)
            paragraph.paragraph_format.first_line_indent = Pt(24)
    document.save(path)
    return path


def test_pdf_exported_by_an_office_suite(tmp_path):
    """LibreOffice writes CID fonts (Identity-H) with Chinese-Latin spacing and ragged
    right margins, as Word and WPS exports do."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice not installed (make system-deps)")
    source = _office_docx(tmp_path / "report.docx")
    subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    body = pdf.parse((tmp_path / "report.pdf").read_bytes())
    assert body.title == TITLE and body.page_count >= 3
    paths = [section.heading_path for section in body.sections]
    assert paths == EXPECTED_PATHS + EXPECTED_PATHS[1:] + EXPECTED_PATHS[1:]
    blocks = [block for block, _ in _blocks(body)]
    text = "\n".join(blocks)
    assert HEADER not in text and not re.search(r"第\s*\d+\s*页", text)
    for paragraph in PARAGRAPHS:
        if isinstance(paragraph, str) and len(paragraph) > 12:
            assert "".join(blocks).count(paragraph) == 3, paragraph  # none lost, however the pages fall
    header = TABLE[0]
    row = "；".join(f"{name}：{value}" for name, value in zip(header, TABLE[2], strict=True)) + "。"
    assert blocks.count(row) == 3
    pages = [page for _, page in _blocks(body)]
    assert pages == sorted(pages) and pages[0] == 1 and pages[-1] == body.page_count


def _write_with_sidecar(folder: Path, name: str, raw: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(raw)
    (folder / f"{name}.meta.yaml").write_text(SIDECAR, encoding="utf-8")
    return path


def test_loader_reads_a_pdf_with_a_sidecar_and_reports_a_scan(tmp_path, report_pdf):
    good = _write_with_sidecar(tmp_path / "p", "report-2025H1.pdf", report_pdf)
    document, report = parse_file(good)
    assert report.status == "ok" and document is not None
    assert document.doc_id == "demo-helanshan-park/report-2025H1"
    assert [section.heading_path for section in document.sections] == EXPECTED_PATHS
    scan = _write_with_sidecar(tmp_path / "p", "scan.pdf", image_only_pdf(pages=1))
    document, report = parse_file(scan)
    assert document is None and report.status == "error"
    assert report.message == "PDF 没有文字层（可能是扫描件），需先做 OCR" and report.path == str(scan)


def test_pdf_ingested_into_the_knowledge_base_is_found_with_its_page(tmp_path, report_pdf, layout):
    _write_with_sidecar(tmp_path / "corpus" / "helanshan", "report-2025H1.pdf", report_pdf)
    kb = small_kb(tmp_path / "data")
    try:
        report = kb.ingest([tmp_path / "corpus"])
        assert not report.errors and report.added == 1
        hits = kb.search("二氧化碳捕集示范装置", top_k=3)
        assert hits and PLAN_CCUS in hits[0].record.text
        assert hits[0].record.doc_id == "demo-helanshan-park/report-2025H1"
        assert hits[0].record.metadata["page"] == layout.page_of(PLAN_CCUS) == 2
        # A chunk of the paragraph that runs over the page break spans both pages.
        hits = kb.search("屋顶光伏 自发自用 余电上网", top_k=3)
        assert hits and ENERGY_PAGE_2 in hits[0].record.text
        metadata = hits[0].record.metadata
        assert metadata["page"] <= layout.page_of(ENERGY_PAGE_2) <= metadata["page_end"]
    finally:
        kb.close()
