"""Word files: headings, Word numbering, tables in reading order, footnotes, refusals.

Every .docx is built here with python-docx; what python-docx cannot write (footnotes,
numbering definitions, text boxes, revisions, a table of contents) is added as raw XML.
"""

import io
import zipfile

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Pt

from ingest.documents import FormatError
from ingest.formats.docx import parse
from ingest.loader import parse_file
from tests.conftest import small_kb

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TITLE = "贺兰山示范园区碳达峰实施方案"

SIDECAR = """pilot: 贺兰山示范园区
pilot_id: demo-helanshan-park
pilot_type: 园区
region: 银川市
doc_type: 实施方案
period: 2025H1
demo: true
"""


def _bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _outline(body):
    return [(section.heading_path, section.blocks) for section in body.sections]


def _append_xml(paragraph, xml: str) -> None:
    paragraph._p.append(parse_xml(xml))


def _footnote_reference(paragraph, note_id: int) -> None:
    _append_xml(paragraph, f'<w:r {nsdecls("w")}><w:footnoteReference w:id="{note_id}"/></w:r>')


def _add_footnotes(document, notes: dict[int, str]) -> None:
    body = "".join(
        f'<w:footnote w:id="{note_id}"><w:p><w:r><w:footnoteRef/></w:r>'
        f'<w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:footnote>'
        for note_id, text in notes.items()
    )
    xml = (
        f'<w:footnotes xmlns:w="{W_NS}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        f"</w:footnote>{body}</w:footnotes>"
    )
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, xml.encode("utf-8"), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)


def _fill(table, rows: list[list[str]]) -> None:
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value:
                table.cell(r, c).text = value


def _plan_document():
    document = docx.Document()
    document.core_properties.title = TITLE
    document.sections[0].header.paragraphs[0].text = "贺兰山示范园区管理委员会文件（页眉）"
    document.sections[0].footer.paragraphs[0].text = "第 1 页（页脚）"
    document.add_paragraph(TITLE, style="Title")
    document.add_heading("一、总体要求", 1)
    target = document.add_paragraph("（一）主要目标。到２０２５年，园区单位工业增加值能耗较2020年下降15%。")
    _footnote_reference(target, 1)
    table = document.add_table(rows=4, cols=3)
    _fill(
        table,
        [
            ["指标", "单位", "目标值"],
            ["单位工业增加值能耗下降", "%", "15"],
            ["可再生能源装机", "万千瓦", "35"],
            ["余热利用率", "%", "60"],
        ],
    )
    document.add_paragraph("（二）工作原则。坚持统筹推进，坚持创新驱动。")
    document.add_heading("二、重点任务", 1)
    document.add_paragraph("推进余热利用。鼓励企业实施余热余压回收。", style="List Number")
    document.add_paragraph("建设屋顶光伏。新建分布式光伏12兆瓦。", style="List Number")
    document.add_paragraph("工业厂房屋顶", style="List Bullet")
    document.add_paragraph("公共建筑屋顶", style="List Bullet")
    document.add_heading("（一）能源结构调整", 2)
    hidden = document.add_paragraph("园区推进绿电替代。")
    hidden.add_run("（内部批注，隐藏文字）").font.hidden = True
    _append_xml(
        hidden,
        f'<w:del {nsdecls("w")} w:id="9" w:author="审核人" w:date="2025-06-01T00:00:00Z">'
        "<w:r><w:delText>已删除的修订文字</w:delText></w:r></w:del>",
    )
    _add_footnotes(document, {1: "能耗按等价值计算。"})
    return document


PLAN_OUTLINE = [
    (
        ("一、总体要求", "（一）主要目标"),
        [
            "（一）主要目标。到2025年，园区单位工业增加值能耗较2020年下降15%。",
            "注1：能耗按等价值计算。",
            "指标：单位工业增加值能耗下降；单位：%；目标值：15。",
            "指标：可再生能源装机；单位：万千瓦；目标值：35。",
            "指标：余热利用率；单位：%；目标值：60。",
        ],
    ),
    (("一、总体要求", "（二）工作原则"), ["（二）工作原则。坚持统筹推进，坚持创新驱动。"]),
    (("二、重点任务", "1.推进余热利用"), ["1.推进余热利用。鼓励企业实施余热余压回收。"]),
    (("二、重点任务", "2.建设屋顶光伏"), ["2.建设屋顶光伏。新建分布式光伏12兆瓦。", "工业厂房屋顶", "公共建筑屋顶"]),
    (("二、重点任务", "（一）能源结构调整"), ["园区推进绿电替代。"]),
]


def test_headings_lists_tables_and_footnotes_in_reading_order():
    body = parse(_bytes(_plan_document()))
    assert body.title == TITLE
    assert _outline(body) == PLAN_OUTLINE
    text = "\n".join(block for section in body.sections for block in section.blocks)
    for dropped in ("页眉", "页脚", "隐藏文字", "已删除的修订文字"):
        assert dropped not in text


def _number_levels(document, levels: list[tuple[str, str]], style_ids: tuple[str, ...] = ()) -> str:
    """Add a multi-level list (numFmt, lvlText per level), linking level i to style_ids[i]; returns its numId."""
    numbering = document.part.numbering_part.element
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        + (f'<w:pStyle w:val="{style_ids[i]}"/>' if i < len(style_ids) else "")
        + f'<w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )
    numbering.insert(0, parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">{lvls}</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for i, style_id in enumerate(style_ids):
        style = document.styles.element.get_by_id(style_id)
        style.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{i}"/><w:numId w:val="90"/></w:numPr>')
        )
    return "90"


def _numbered(document, text: str, ilvl: int, num_id: str = "90"):
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')
    )
    return paragraph


def test_word_numbering_is_rendered_into_headings_and_items():
    document = docx.Document()
    _number_levels(
        document,
        [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3.")],
        style_ids=("Heading1", "Heading2"),
    )
    document.add_heading("总体要求", 1)
    document.add_heading("主要目标", 2)
    _numbered(document, "能耗下降。单位工业增加值能耗下降15%。", 2)
    _numbered(document, "装机增长。可再生能源装机达到35万千瓦。", 2)
    document.add_heading("重点任务", 1)
    document.add_heading("推进余热利用", 2)
    _numbered(document, "建设蒸汽管网。建成管网12公里。", 2)
    assert _outline(parse(_bytes(document))) == [
        (("一、总体要求", "（一）主要目标", "1.能耗下降"), ["1.能耗下降。单位工业增加值能耗下降15%。"]),
        (("一、总体要求", "（一）主要目标", "2.装机增长"), ["2.装机增长。可再生能源装机达到35万千瓦。"]),
        (("二、重点任务", "（一）推进余热利用", "1.建设蒸汽管网"), ["1.建设蒸汽管网。建成管网12公里。"]),
    ]


def test_outline_levels_and_chinese_heading_style_names_make_headings():
    document = docx.Document()
    chapter = document.add_paragraph("一、基本情况")
    chapter._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="0"/>'))
    document.add_paragraph("园区规划面积32平方公里。")
    section_style = document.styles.add_style("方案节标题", WD_STYLE_TYPE.PARAGRAPH)
    section_style.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="1"/>'))
    document.add_paragraph("产业结构", style=section_style)
    document.add_paragraph("主导产业为新材料和新能源装备。")
    document.add_paragraph("二、主要做法", style=document.styles.add_style("标题 1", WD_STYLE_TYPE.PARAGRAPH))
    document.add_paragraph("园区推进余热利用。")
    assert _outline(parse(_bytes(document))) == [
        (("一、基本情况",), ["园区规划面积32平方公里。"]),
        (("一、基本情况", "产业结构"), ["主导产业为新材料和新能源装备。"]),
        (("二、主要做法",), ["园区推进余热利用。"]),
    ]


def test_merged_cells_are_given_once_under_a_two_row_header():
    document = docx.Document()
    document.add_paragraph("一、主要指标")
    table = document.add_table(rows=4, cols=4)
    _fill(
        table,
        [
            ["指标", "单位", "目标值", ""],
            ["", "", "2025年", "2030年"],
            ["能耗下降", "%", "15", "25"],
            ["", "万吨标准煤", "3", "6"],
        ],
    )
    table.cell(0, 2).merge(table.cell(0, 3))
    table.cell(0, 0).merge(table.cell(1, 0))
    table.cell(0, 1).merge(table.cell(1, 1))
    table.cell(2, 0).merge(table.cell(3, 0))
    assert _outline(parse(_bytes(document))) == [
        (
            ("一、主要指标",),
            [
                "指标：能耗下降；单位：%；目标值（2025年）：15；目标值（2030年）：25。",
                "单位：万吨标准煤；目标值（2025年）：3；目标值（2030年）：6。",
            ],
        ),
    ]


def test_text_boxes_one_cell_tables_and_a_table_of_contents():
    document = docx.Document()
    toc = parse_xml(
        f'<w:sdt {nsdecls("w")}><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/>'
        "</w:docPartObj></w:sdtPr><w:sdtContent><w:p><w:r><w:t>目录</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>一、基本情况</w:t></w:r><w:r><w:tab/><w:t>1</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    document.element.body.insert(0, toc)
    document.add_paragraph("一、基本情况")
    anchor = document.add_paragraph("园区位于贺兰山东麓。")
    box = "<w:txbxContent><w:p><w:r><w:t>专栏：园区余热利用年节约标准煤1.2万吨。</w:t></w:r></w:p></w:txbxContent>"
    _append_xml(
        anchor,
        f'<w:r {nsdecls("w")} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        f"<wps:wsp><wps:txbx>{box}</wps:txbx></wps:wsp></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>",
    )
    framed = document.add_table(rows=1, cols=1)
    framed.cell(0, 0).text = "（一）经验启示。坚持规划先行。"
    assert _outline(parse(_bytes(document))) == [
        (("一、基本情况",), ["园区位于贺兰山东麓。", "专栏：园区余热利用年节约标准煤1.2万吨。"]),
        (("一、基本情况", "（一）经验启示"), ["（一）经验启示。坚持规划先行。"]),
    ]


def test_title_falls_back_to_the_title_style_then_a_centred_bold_first_line():
    styled = docx.Document()
    styled.add_paragraph(TITLE, style="Title")
    styled.add_paragraph("一、总体要求")
    styled.add_paragraph("园区推进余热利用。")
    body = parse(_bytes(styled))
    assert body.title == TITLE
    assert _outline(body) == [(("一、总体要求",), ["园区推进余热利用。"])]

    plain = docx.Document()
    first = plain.add_paragraph()
    first.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = first.add_run("贺兰山示范园区2025年上半年工作进展报告")
    run.bold = True
    run.font.size = Pt(22)
    plain.add_paragraph("一、工作进展")
    plain.add_paragraph("园区推进余热利用。")
    body = parse(_bytes(plain))
    assert body.title == "贺兰山示范园区2025年上半年工作进展报告"
    assert _outline(body) == [(("一、工作进展",), ["园区推进余热利用。"])]

    untitled = docx.Document()
    untitled.add_paragraph("园区推进余热利用，年节约标准煤1.2万吨。")
    assert parse(_bytes(untitled)).title == ""


def _corrupt_member(raw: bytes) -> bytes:
    """The same zip with the compressed bytes of word/document.xml damaged."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    damaged = bytearray(raw)
    for offset in range(start + 10, start + min(info.compress_size, 200)):
        damaged[offset] ^= 0x5A
    return bytes(damaged)


def _retyped_as_spreadsheet(raw: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(raw))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                )
            target.writestr(item, data)
    return buffer.getvalue()


def _zip_of_text() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "不是 Word 文档")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "make",
    [
        lambda raw: b"PK\x03\x04" + bytes(range(256)) * 4,
        lambda raw: raw[: len(raw) // 2],
        _corrupt_member,
        _retyped_as_spreadsheet,
        lambda raw: _zip_of_text(),
    ],
    ids=["garbage", "truncated", "damaged-member", "spreadsheet", "zip-of-text"],
)
def test_corrupt_or_foreign_files_are_refused_in_chinese(make):
    raw = _bytes(_plan_document())
    with pytest.raises(FormatError, match=r"^Word 文件已损坏或不是 \.docx（.+）$"):
        parse(make(raw))


def test_a_spreadsheet_is_named_as_such():
    with pytest.raises(FormatError, match="Excel"):
        parse(_retyped_as_spreadsheet(_bytes(_plan_document())))


def test_old_binary_doc_is_refused_with_what_to_do():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "WordDocument".encode("utf-16-le") + bytes(512)
    with pytest.raises(FormatError, match=r"另存为 \.docx"):
        parse(ole)


def test_docx_through_the_loader_and_the_knowledge_base(tmp_path):
    folder = tmp_path / "corpus" / "helanshan"
    folder.mkdir(parents=True)
    (folder / "plan.docx").write_bytes(_bytes(_plan_document()))
    (folder / "plan.docx.meta.yaml").write_text(SIDECAR, encoding="utf-8")
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "broken.docx.meta.yaml").write_text(SIDECAR, encoding="utf-8")
    document, report = parse_file(folder / "plan.docx")
    assert report.ok and document.meta.title == TITLE
    assert [section.heading_path for section in document.sections] == [path for path, _ in PLAN_OUTLINE]
    kb = small_kb(tmp_path / "data")
    try:
        ingest = kb.ingest([tmp_path / "corpus"])
        assert ingest.added == 1
        assert [(error.path.rsplit("/", 1)[-1], error.message.split("（")[0]) for error in ingest.errors] == [
            ("broken.docx", "Word 文件已损坏或不是 .docx")
        ]
        hits = kb.search("可再生能源装机目标值", top_k=3)
        assert hits and "指标：可再生能源装机；单位：万千瓦；目标值：35。" in hits[0].record.text
        assert hits[0].record.doc_id == "demo-helanshan-park/plan"
        assert hits[0].record.metadata["heading_path"] == "一、总体要求 > （一）主要目标"
    finally:
        kb.close()


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w", force_zip64=True) as member,
    ):
        chunk = b"\0" * (16 * 1024 * 1024)
        for _ in range(40):
            member.write(chunk)
    with pytest.raises(FormatError, match="压缩炸弹"):
        parse(buffer.getvalue())
