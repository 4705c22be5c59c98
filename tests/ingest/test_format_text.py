"""Plain-text files: encodings detected, binary files refused, numbering gives the structure."""

import io
import os
import random
import zipfile

import pytest

from ingest.documents import FormatError
from ingest.formats.text import parse
from ingest.loader import load_documents, parse_file
from tests.conftest import small_kb

PLAN = """贺兰山示范园区碳达峰实施方案

一、总体要求
（一）主要目标。到２０２５年，园区单位工业增加值能耗较2020年下降15%，可再生能源装机达到35万千瓦。
（二）工作原则。坚持统筹推进, 坚持创新驱动。
二、重点任务
（一）推进余热利用
1.建设蒸汽管网。园区建成蒸汽管网12公里，年回收余热折合标准煤1.2万吨。
2.推广余热发电。鼓励焦化企业实施干熄焦余热发电改造。
"""

EXPECTED = [
    (
        ("一、总体要求", "（一）主要目标"),
        ["（一）主要目标。到2025年，园区单位工业增加值能耗较2020年下降15%，可再生能源装机达到35万千瓦。"],
    ),
    (("一、总体要求", "（二）工作原则"), ["（二）工作原则。坚持统筹推进，坚持创新驱动。"]),
    (
        ("二、重点任务", "（一）推进余热利用", "1.建设蒸汽管网"),
        ["1.建设蒸汽管网。园区建成蒸汽管网12公里，年回收余热折合标准煤1.2万吨。"],
    ),
    (
        ("二、重点任务", "（一）推进余热利用", "2.推广余热发电"),
        ["2.推广余热发电。鼓励焦化企业实施干熄焦余热发电改造。"],
    ),
]

TRADITIONAL = """賀蘭山示範園區碳達峰進展報告
一、工作進展
（一）推進餘熱利用。園區建成蒸汽管網12公里，年節約標準煤1.2萬噸。
"""

SIDECAR = """pilot: 贺兰山示范园区
pilot_id: demo-helanshan-park
pilot_type: 园区
region: 银川市
doc_type: 实施方案
period: 2025H1
demo: true
"""


def _outline(body):
    return [(section.heading_path, section.blocks) for section in body.sections]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_encodings_give_the_same_document(encoding):
    body = parse(PLAN.encode(encoding))
    assert body.title == "贺兰山示范园区碳达峰实施方案"
    assert _outline(body) == EXPECTED


def test_big5_stays_traditional():
    body = parse(TRADITIONAL.encode("big5"))
    assert body.title == "賀蘭山示範園區碳達峰進展報告"
    assert _outline(body) == [
        (("一、工作進展", "（一）推進餘熱利用"), ["（一）推進餘熱利用。園區建成蒸汽管網12公里，年節約標準煤1.2萬噸。"])
    ]


def test_short_big5_and_gbk_files_are_told_apart():
    assert parse("賀蘭山園區推進餘熱利用工作\n一、總體要求".encode("big5")).title == "賀蘭山園區推進餘熱利用工作"
    assert parse("贺兰山园区推进余热利用工作\n一、总体要求".encode("gbk")).title == "贺兰山园区推进余热利用工作"


def test_a_gbk_file_with_rare_characters_still_reads():
    text = (
        "贺兰山示范园区光伏项目情况\n"
        "一、项目概况\n"
        "项目负责人王喆、李堃、张昇，合作单位鑫焱垚新能源公司、赟龑科技有限公司。"
        "园区建成屋顶光伏12兆瓦，年发电量1300万千瓦时，减少二氧化碳排放约1万吨。\n"
    )
    body = parse(text.encode("gbk"))
    assert body.sections[0].heading_path == ("一、项目概况",)
    assert "王喆、李堃、张昇" in body.sections[0].blocks[0]


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("plan.txt", PLAN * 20)
    return buffer.getvalue()


def _rare_han_garbage() -> bytes:
    """Valid GB18030 made of random CJK characters: decodes cleanly, reads as nonsense."""
    generator = random.Random(7)
    return "".join(chr(generator.randrange(0x4E00, 0x9FA6)) for _ in range(400)).encode("gb18030")


@pytest.mark.parametrize(
    "raw",
    [
        os.urandom(4096),
        os.urandom(4096).replace(b"\x00", b"\x01"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + os.urandom(512),
        _zip_bytes(),
        _rare_han_garbage(),
    ],
    ids=["random", "random-without-nul", "png", "zip", "random-han"],
)
def test_binary_files_are_refused(raw):
    with pytest.raises(FormatError, match=r"^不是文本文件（.+）$"):
        parse(raw)


def test_hard_wrapped_paragraphs_are_joined_and_numbering_still_splits():
    text = (
        "一、基本情况\n"
        "园区位于贺兰山东麓，规划面积32平方公里，现有规模以上工业企业46家，主导产业为\n"
        "新材料、新能源装备和绿色食品加工，2024年实现工业总产值185亿元。\n"
        "二、主要做法\n"
    ) + "（一）推进余热利用。园区建成蒸汽管网12公里。\n"
    body = parse(text.encode("utf-8"))
    assert _outline(body) == [
        (
            ("一、基本情况",),
            [
                "园区位于贺兰山东麓，规划面积32平方公里，现有规模以上工业企业46家，主导产业为"
                "新材料、新能源装备和绿色食品加工，2024年实现工业总产值185亿元。"
            ],
        ),
        (("二、主要做法", "（一）推进余热利用"), ["（一）推进余热利用。园区建成蒸汽管网12公里。"]),
    ]


@pytest.mark.parametrize(
    "first_line",
    [
        "一、总体要求",
        "园区推进余热利用，年节约标准煤1.2万吨。",
        "园区围绕余热利用、屋顶光伏、绿色交通和循环化改造四个方面推进试点工作的总体情况说明",
    ],
)
def test_only_a_short_unnumbered_first_line_is_a_title(first_line):
    body = parse(f"{first_line}\n（一）主要目标。园区能耗下降15%。\n".encode())
    assert body.title == ""
    kept = [text for section in body.sections for text in (*section.heading_path, *section.blocks)]
    assert first_line in kept


def test_loader_fills_the_title_from_the_file_and_refuses_garbage(tmp_path):
    folder = tmp_path / "helanshan"
    folder.mkdir()
    (folder / "plan.txt").write_bytes(PLAN.encode("gbk"))
    (folder / "plan.txt.meta.yaml").write_text(SIDECAR, encoding="utf-8")
    (folder / "picture.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(256))
    (folder / "picture.txt.meta.yaml").write_text(SIDECAR, encoding="utf-8")
    document, report = parse_file(folder / "plan.txt")
    assert report.status == "ok" and document.meta.title == "贺兰山示范园区碳达峰实施方案"
    assert [section.heading_path for section in document.sections] == [path for path, _ in EXPECTED]
    result = load_documents([folder])
    reports = {report.path.rsplit("/", 1)[-1]: report for report in result.reports}
    assert reports["plan.txt"].status == "ok"
    assert reports["picture.txt"].status == "error"
    assert reports["picture.txt"].message.startswith("不是文本文件（")


def test_txt_ingested_into_the_knowledge_base_is_found(tmp_path):
    folder = tmp_path / "corpus" / "helanshan"
    folder.mkdir(parents=True)
    (folder / "plan.txt").write_bytes(PLAN.encode("gb18030"))
    (folder / "plan.txt.meta.yaml").write_text(SIDECAR, encoding="utf-8")
    kb = small_kb(tmp_path / "data")
    try:
        report = kb.ingest([tmp_path / "corpus"])
        assert not report.errors and report.added == 1
        hits = kb.search("干熄焦余热发电改造", top_k=3)
        assert hits and "干熄焦余热发电改造" in hits[0].record.text
        assert hits[0].record.doc_id == "demo-helanshan-park/plan"
        assert hits[0].record.metadata["heading_path"] == "二、重点任务 > （一）推进余热利用 > 2.推广余热发电"
    finally:
        kb.close()
