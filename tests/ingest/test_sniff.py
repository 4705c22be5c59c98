"""The content sniffer: formats from bytes, never from names; binary is refused."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest

from ingest.formats import BY_EXTENSION, FORMATS
from ingest.sniff import HEAD_BYTES, decode_text, detect_format, detect_path

FRONT_MATTER_MD = "---\ntitle: 甲园区经验总结\npilot: 甲园区\n---\n## 一、主要做法\n园区推进余热利用。\n"
PLAIN_TEXT = "宁夏碳达峰试点工作进展\n\n一、总体情况\n今年以来，园区推进余热梯级利用，年节约标准煤1.2万吨。\n"


def _docx_bytes() -> bytes:
    from docx import Document

    document = Document()
    document.add_heading("甲园区碳达峰实施方案", level=1)
    document.add_paragraph("一、总体要求。园区推进节能降碳。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_pdf_is_known_by_its_signature():
    assert detect_format(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n") == ".pdf"
    # Some writers put a few bytes of junk before the signature; readers accept it.
    assert detect_format(b"\x00\x00garbage%PDF-1.4\n") == ".pdf"


def test_word_and_ofd_packages_by_their_members():
    assert detect_format(_docx_bytes()) == ".docx"
    ofd = _zip_bytes({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<ofd:Document/>"})
    assert detect_format(ofd) == ".ofd"


@pytest.mark.parametrize(
    "members",
    [
        {"xl/workbook.xml": b"<workbook/>", "[Content_Types].xml": b"<Types/>"},  # a spreadsheet
        {"ppt/presentation.xml": b"<presentation/>"},
        {"notes.txt": "一段文字".encode()},  # a plain archive
    ],
)
def test_other_zip_files_are_not_documents(members):
    assert detect_format(_zip_bytes(members)) is None


def test_a_zip_is_read_from_its_local_headers_when_only_the_head_is_given():
    package = _zip_bytes({"word/document.xml": b"<w:document/>" * 2000}, zipfile.ZIP_STORED)
    assert len(package) > HEAD_BYTES
    assert detect_format(package[:HEAD_BYTES]) == ".docx"


def test_detect_path_reads_the_zip_directory_beyond_the_head(tmp_path):
    filler = random.Random(5).randbytes(3 * HEAD_BYTES)
    package = _zip_bytes({"[Content_Types].xml": filler, "word/document.xml": b"<w:document/>"}, zipfile.ZIP_STORED)
    path = tmp_path / "plan.bin"
    path.write_bytes(package)
    assert detect_format(package[:HEAD_BYTES]) is None  # the member lies past the head
    assert detect_path(path) == ".docx"


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE html>\n<html><head><title>方案</title></head><body><p>正文</p></body></html>",
        '\ufeff   \n<html lang="zh"><body>正文</body></html>',
        "<!-- 导出自政务网站 -->\n<!doctype HTML><html><body>正文</body></html>",
        '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
        '<meta charset="utf-8">\n<title>无 html 标签的网页</title>\n<body><p>正文</p></body>',
    ],
)
def test_html_by_its_opening_or_an_early_head_or_body(text):
    assert detect_format(text.encode("utf-8")) == ".html"


def test_markdown_is_text_that_opens_with_front_matter():
    assert detect_format(FRONT_MATTER_MD.encode("utf-8")) == ".md"
    assert detect_format(("\ufeff" + FRONT_MATTER_MD).encode("utf-8")) == ".md"
    assert detect_format(FRONT_MATTER_MD.replace("\n", "\r\n").encode("utf-8")) == ".md"
    # Front matter that mentions <body> is still Markdown.
    assert detect_format((FRONT_MATTER_MD + "<body>\n").encode("utf-8")) == ".md"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "big5"])
def test_plain_text_in_the_encodings_officials_use(encoding):
    text = PLAIN_TEXT if encoding != "big5" else "寧夏碳達峰試點工作進展\n一、總體情況\n園區推進餘熱梯級利用。\n"
    assert detect_format(text.encode(encoding)) == ".txt"
    decoded = decode_text(text.encode(encoding))
    assert decoded is not None and "碳" in decoded[0]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_wide_unicode_text_opened_by_a_bom_is_text(encoding):
    """Notepad's 「Unicode」 save is UTF-16 with a BOM; the text parser reads it, so an
    upload of it must not be refused as binary."""

    def encode(text: str) -> bytes:  # "utf-16-be" writes no BOM of its own
        return (b"\xfe\xff" if encoding == "utf-16-be" else b"") + text.encode(encoding)

    raw = encode(PLAIN_TEXT)
    assert detect_format(raw) == ".txt"
    assert detect_format(raw[:-1]) == ".txt"  # a head cut inside a character
    assert detect_format(encode(FRONT_MATTER_MD)) == ".md"
    decoded = decode_text(raw)
    assert decoded is not None and decoded[0].startswith(PLAIN_TEXT[:10])


def test_a_head_cut_inside_a_character_is_still_text():
    raw = (PLAIN_TEXT * 200).encode("utf-8")
    cut = next(n for n in range(HEAD_BYTES, HEAD_BYTES + 3) if raw[n] & 0xC0 == 0x80)
    with pytest.raises(UnicodeDecodeError):
        raw[:cut].decode("utf-8")
    assert detect_format(raw[:cut]) == ".txt"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   \n\t",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        b"\x7fELF\x02\x01\x01\x00" + bytes(64),
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",
        PLAIN_TEXT.encode("utf-16-le"),  # no BOM: nothing tells it from binary
        random.Random(1).randbytes(4096),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(2).randbytes(512),  # old .doc/.xls
        bytes(range(1, 32)) * 20,  # control characters only
    ],
    ids=["empty", "blank", "png", "elf", "exe", "utf16", "random", "ole", "controls"],
)
def test_binary_or_empty_content_is_unknown(raw):
    assert detect_format(raw) is None


def test_a_name_never_decides(tmp_path):
    for name, content, expected in [
        ("x.pdf", FRONT_MATTER_MD.encode("utf-8"), ".md"),
        ("x.docx", PLAIN_TEXT.encode("gb18030"), ".txt"),
        ("x.md", b"%PDF-1.4\n", ".pdf"),
        ("x.txt", _docx_bytes(), ".docx"),
        ("x.html", random.Random(3).randbytes(2048), None),
    ]:
        path = tmp_path / name
        path.write_bytes(content)
        assert detect_path(path) == expected, name


def test_the_module_needs_only_the_standard_library():
    import ast

    source = Path(__file__).resolve().parents[2] / "ingest" / "sniff.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {"__future__", "io", "re", "struct", "unicodedata", "zipfile", "pathlib"}


def test_every_format_it_names_is_one_the_loader_reads():
    """The sniffer and the loader share one table of formats (ingest/formats/__init__.py)."""
    samples = [
        b"%PDF-1.4\n",
        _docx_bytes(),
        _zip_bytes({"OFD.xml": b"<ofd:OFD/>"}),
        b"<!DOCTYPE html><html><body>x</body></html>",
        FRONT_MATTER_MD.encode("utf-8"),
        PLAIN_TEXT.encode("gb18030"),
    ]
    named = {detect_format(raw) for raw in samples}
    assert named == {fmt.extension for fmt in FORMATS}
    assert all(BY_EXTENSION[extension].binary == (extension in (".pdf", ".docx", ".ofd")) for extension in named)
