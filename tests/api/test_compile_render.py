"""The 汇编 as a reader sees it: rendered .docx -> PDF (LibreOffice) -> PNG pages (pdftoppm).

One 汇编 (企业 and 园区 pilots of the session knowledge base) is compiled over HTTP and
rendered once; the tests check page numbers on every page but the cover (in the text and
in the pixels under the type area), the 目录's page numbers against the pages the
headings fall on, East-Asian face names on body and headings, each practice's field
against the gold labels (bench/data/practice_fields_gold.yaml), and 成效 without
duplicate figures. LibreOffice missing: the .docx is still offered, PDF is a 503.
"""

from __future__ import annotations

import io
import re
import shutil
from collections import Counter

import docx
import pytest
from docx.oxml.ns import qn
from PIL import Image

from api.compile import docx_layout, rendering
from bench.practice_fields import gold_labels
from ingest.domain import FIELDS

ISSUER = "宁夏回族自治区发展和改革委员会"
needs_renderer = pytest.mark.skipif(
    rendering.soffice_path() is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice or pdftoppm not installed (make system-deps)",
)


@pytest.fixture(scope="module")
def compiled(http):
    response = http.post(
        "/compile",
        json={"pilot_types": ["企业", "园区"], "issuer": ISSUER, "date": "2026-07-01", "format": "docx"},
        timeout=600,
    )
    assert response.status_code == 200, response.text
    return response.content


@pytest.fixture(scope="module")
def rendered(compiled):
    if rendering.soffice_path() is None or shutil.which("pdftoppm") is None:
        pytest.skip("LibreOffice or pdftoppm not installed (make system-deps)")
    pdf = rendering.docx_to_pdf(compiled)
    return pdf, rendering.page_texts(pdf), rendering.page_images(pdf, dpi=40)


def _document(compiled):
    return docx.Document(io.BytesIO(compiled))


@needs_renderer
def test_every_page_but_the_cover_carries_its_number(rendered):
    _, texts, images = rendered
    assert len(texts) == len(images) >= 6
    assert "—" not in texts[0] and ISSUER in texts[0] and "2026年7月1日" in texts[0]
    missing = [index for index, text in enumerate(texts) if index and f"—{index}—" not in text]
    assert missing == [], f"pages without 「— n —」: {missing}"
    # In the pixels: ink below the type area (bottom margin 35 mm of 297) on every page but the cover.
    inked = []
    for image in images:
        picture = Image.open(io.BytesIO(image)).convert("L")
        width, height = picture.size
        foot = picture.crop((0, int(height * (1 - 35 / 297)), width, height))
        inked.append(min(foot.getdata()) < 128)
    assert inked[0] is False and all(inked[1:])


@needs_renderer
def test_the_toc_lists_each_group_with_the_page_it_falls_on(compiled, rendered):
    _, texts, _ = rendered
    document = _document(compiled)
    groups = [p.text for p in document.paragraphs if p.style.name in ("Heading 1", "Heading 2")]
    toc = [p.text for p in document.paragraphs if p.style.name == "TOC Line"]
    assert [line.split("\t")[0] for line in toc] == groups
    cursor = 0
    for line in toc:
        heading, page = line.split("\t")
        assert page.isdigit(), f"目录 line without a page number: {line}"
        number = int(page)
        assert number >= cursor and re.sub(r"\s+", "", heading) in texts[number], (heading, number)
        cursor = number


def test_east_asian_faces_are_named_on_every_run_of_body_and_headings(compiled):
    document = _document(compiled)
    expected = {
        "Title": "方正小标宋简体",
        "Heading 1": "黑体",
        "Heading 2": "楷体_GB2312",
        "Heading 3": "仿宋_GB2312",
        "Normal": "仿宋_GB2312",
    }
    seen = Counter()
    for paragraph in document.paragraphs:
        face = expected.get(paragraph.style.name)
        if face is None:
            continue
        assert paragraph.style.element.rPr.rFonts.get(qn("w:eastAsia")) == face
        for run in paragraph.runs:
            fonts = run._r.rPr.rFonts
            assert fonts.get(qn("w:eastAsia")) == face, (paragraph.style.name, run.text)
            assert fonts.get(qn("w:asciiTheme")) is None and fonts.get(qn("w:eastAsiaTheme")) is None
            seen[paragraph.style.name] += 1
    assert set(seen) == set(expected)
    section = document.sections[-1]
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    body = document.styles["Normal"]
    assert body.font.size.pt == 16 and 28 <= body.paragraph_format.line_spacing.pt <= 29
    fonts = document.part.part_related_by(docx.opc.constants.RELATIONSHIP_TYPE.FONT_TABLE).blob.decode()
    assert all(f'w:name="{face}"' in fonts for face in docx_layout.FALLBACKS)


def _practices_by_field(document) -> list[tuple[str, str, str, list[str]]]:
    """(field, title, pilot, 成效 items) of each practice, read off the document."""
    found: list[tuple[str, str, str, list[str]]] = []
    field = ""
    for paragraph in document.paragraphs:
        style, text = paragraph.style.name, paragraph.text
        if style == "Heading 1":
            field = re.sub(r"^[一二三四五六七八九十]+、", "", text)
        elif style == "Heading 3":
            found.append((field, re.sub(r"^\d+\. ", "", text), "", []))
        elif found and text.startswith("试点：") and not found[-1][2]:
            found[-1] = (found[-1][0], found[-1][1], text.removeprefix("试点：").split("（")[0], [])
        elif found and text.startswith("成效："):
            found[-1][3].extend(item.strip() for item in text.removeprefix("成效：").rstrip("。").split("；"))
    return found


def test_no_practice_sits_under_a_field_its_own_text_does_not_support(http, compiled):
    pilots = {p["pilot"]: p["pilot_id"] for p in http.get("/practices", params={"limit": 200}).json()}
    gold = gold_labels()
    checked = supported = 0
    for field, title, pilot, _ in _practices_by_field(_document(compiled)):
        assert field in FIELDS, field
        labels = gold.get((pilots.get(pilot, ""), title))
        if labels is None:
            continue
        checked += 1
        supported += field in labels
    assert checked >= 20, "the gold list covers the demo 企业 and 园区 summaries"
    accuracy = supported / checked
    print(f"gold practices: {checked}, under a supported field: {accuracy:.3f}")
    assert accuracy >= 0.9


def test_effects_list_no_figure_twice(compiled):
    practices = _practices_by_field(_document(compiled))
    with_effects = [items for *_, items in practices if items]
    assert len(with_effects) >= len(practices) // 2
    for items in with_effects:
        figures = [re.sub(r"（.*?）$", "", item.split("：", 1)[-1]) for item in items]
        assert len(figures) == len(set(figures)), items


def test_without_libreoffice_the_word_file_is_still_offered(http, monkeypatch):
    monkeypatch.setattr(rendering, "soffice_path", lambda: None)
    body = {"pilot_types": ["园区"], "fields": ["节能降碳增效"]}
    word = http.post("/compile", json={**body, "format": "docx"})
    assert word.status_code == 200 and "X-Tanlu-Note" in word.headers
    document = docx.Document(io.BytesIO(word.content))
    instructions = "".join(e.text or "" for e in document.element.body.iter(qn("w:instrText")))
    assert "TOC" in instructions, "a TOC field Word fills in on opening"
    pdf = http.post("/compile", json={**body, "format": "pdf"})
    assert pdf.status_code == 503 and "LibreOffice" in pdf.json()["detail"] and "仍可下载" in pdf.json()["detail"]


@needs_renderer
def test_pdf_export(http):
    response = http.post("/compile", json={"pilot_types": ["社区"], "format": "pdf"}, timeout=600)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    texts = rendering.page_texts(response.content)
    assert "前言" in texts[1] and "—1—" in texts[1]
