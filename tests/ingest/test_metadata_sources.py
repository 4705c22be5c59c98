"""Where metadata comes from for files without front matter: a sidecar (full or partial),
the folder layout, then the text — and which fields end up marked inferred."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunking import ChunkingOptions
from ingest.documents import ParsedBody
from ingest.formats.sections import plain_text_sections
from ingest.loader import load_documents, parse_file
from ingest.metadata import MetadataError
from ingest.metadata_sources import folder_metadata, resolve_metadata
from ingest.nodes import document_nodes

ROOT = Path(__file__).resolve().parents[2]

# A report that names its pilot, period and place only in its own words.
REPORT = """贺兰山示范园区碳达峰试点2025年上半年工作进展报告

2025年上半年，园区坚持节能降碳导向，推进各项试点任务。园区地处贺兰县东部，规划面积32平方公里，
与贺兰县城共用再生水管网。
一、上半年工作进展
（一）推进余热梯级利用。园区建成余热回收站，年回收余热折合标准煤1.2万吨。
（二）建设园区能源管控平台。重点用能企业全部接入，实现能耗在线监测。
二、存在的问题
（一）资金压力较大。部分企业节能改造资金不足。

贺兰山示范园区管委会
2025年7月10日
"""

FULL_SIDECAR = (
    "title: 贺兰山示范园区碳达峰试点2025年上半年工作进展报告\npilot: 贺兰山示范园区\npilot_id: park-helanshan\n"
    "pilot_type: 园区\nregion: 银川市\ndoc_type: 进展报告\nperiod: 2025H1\nfields: [节能降碳增效]\ndemo: true\n"
)


def write(path: Path, text: str, sidecar: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if sidecar is not None:
        path.with_name(path.name + ".meta.yaml").write_text(sidecar, encoding="utf-8")
    return path


def parsed(path: Path):
    document, report = parse_file(path)
    assert document is not None, report
    return document


def refused(path: Path):
    document, report = parse_file(path)
    assert document is None and report.status == "error", report
    return report


def test_a_full_sidecar_declares_everything_and_nothing_is_inferred(tmp_path):
    document = parsed(write(tmp_path / "docs" / "report.md", REPORT, FULL_SIDECAR))
    meta = document.meta
    assert (meta.pilot_id, meta.pilot_type, meta.region, meta.period, meta.fields) == (
        "park-helanshan",
        "园区",
        "银川市",
        "2025H1",
        ("节能降碳增效",),
    )
    assert meta.inferred == ()
    assert document.doc_id == "park-helanshan/report"
    assert all("inferred" not in node.metadata for node in document_nodes(document, ChunkingOptions()))


def test_a_partial_sidecar_is_completed_from_the_text_and_the_guesses_are_listed(tmp_path):
    sidecar = "pilot_type: 园区\nregion: 银川市\ndemo: true\n"
    document = parsed(write(tmp_path / "docs" / "report.md", REPORT, sidecar))
    meta = document.meta
    assert meta.pilot_type == "园区" and meta.region == "银川市" and meta.demo
    assert meta.title == "贺兰山示范园区碳达峰试点2025年上半年工作进展报告"
    assert meta.pilot == "贺兰山示范园区" and meta.doc_type == "进展报告"
    assert meta.period == "2025H1" and meta.date == "2025-07-10" and meta.year == 2025
    assert meta.inferred == ("title", "pilot", "doc_type", "period", "date")
    assert meta.as_dict()["inferred"] == ["title", "pilot", "doc_type", "period", "date"]
    nodes = document_nodes(document, ChunkingOptions())
    assert nodes and all(node.metadata["inferred"] == "title,pilot,doc_type,period,date" for node in nodes)


def test_a_sidecar_named_after_the_stem_also_counts(tmp_path):
    path = write(tmp_path / "report.md", REPORT)
    (tmp_path / "report.meta.yaml").write_text(FULL_SIDECAR, encoding="utf-8")
    assert parsed(path).meta.inferred == ()


def test_a_malformed_sidecar_names_the_file_and_the_line(tmp_path):
    sidecar = "title: 贺兰山示范园区进展报告\npilot_type: 园区\n  region: [银川市\n"
    report = refused(write(tmp_path / "report.md", REPORT, sidecar))
    assert report.field_name == "report.md.meta.yaml"
    assert "YAML" in report.message and "第3行" in report.message


def test_a_sidecar_that_is_not_a_mapping_is_refused(tmp_path):
    report = refused(write(tmp_path / "report.md", REPORT, "- 园区\n- 银川市\n"))
    assert report.field_name == "report.md.meta.yaml" and "映射" in report.message


def test_an_unknown_pilot_type_in_a_sidecar_names_the_field_and_the_sidecar(tmp_path):
    sidecar = FULL_SIDECAR.replace("pilot_type: 园区", "pilot_type: 工厂")
    report = refused(write(tmp_path / "report.md", REPORT, sidecar))
    assert report.field_name == "pilot_type"
    assert "工厂" in report.message and "report.md.meta.yaml" in report.message


def test_folder_layout_gives_type_and_pilot_and_they_are_declared_not_inferred(tmp_path):
    path = write(tmp_path / "园区" / "贺兰山示范园区" / "报告.md", REPORT)
    document = parsed(path)
    meta = document.meta
    assert (meta.pilot_type, meta.pilot, meta.pilot_id) == ("园区", "贺兰山示范园区", "贺兰山示范园区")
    assert document.doc_id == "贺兰山示范园区/报告"
    # 贺兰县 in the text puts the park in 银川市; that, the kind and the period are guesses.
    assert meta.region == "银川市" and meta.doc_type == "进展报告" and meta.period == "2025H1"
    assert "pilot_type" not in meta.inferred and "pilot" not in meta.inferred
    assert {"region", "doc_type", "period", "title"} <= set(meta.inferred)


def test_folder_variants_a_region_folder_and_an_ascii_pilot_folder(tmp_path):
    path = write(tmp_path / "银川市" / "工业园区" / "park-helanshan" / "report-2025H1.md", REPORT)
    assert folder_metadata(path) == {"pilot_type": "园区", "pilot_id": "park-helanshan", "region": "银川市"}
    meta = parsed(path).meta
    assert (meta.pilot_id, meta.pilot_type, meta.region) == ("park-helanshan", "园区", "银川市")
    assert meta.pilot == "贺兰山示范园区" and "pilot" in meta.inferred
    assert "region" not in meta.inferred and "pilot_type" not in meta.inferred


def test_a_year_folder_under_a_type_folder_is_not_a_pilot(tmp_path):
    assert folder_metadata(tmp_path / "社区" / "2025" / "x.md") == {"pilot_type": "社区"}
    assert folder_metadata(tmp_path / "资料" / "2025" / "x.md") == {}


def test_the_demo_corpus_layout_with_front_matter_is_unchanged():
    path = ROOT / "corpus" / "park-ningdong-qingquan" / "report-2025H1.md"
    meta = parsed(path).meta
    assert meta.inferred == ()
    assert (meta.pilot_id, meta.pilot_type, meta.region, meta.period) == (
        "park-ningdong-qingquan",
        "园区",
        "宁东能源化工基地",
        "2025H1",
    )


def test_front_matter_is_a_complete_declaration_not_completed_by_guesses(tmp_path):
    text = "---\npilot: 丙园区\npilot_type: 园区\nregion: 银川市\ndoc_type: 经验总结\n---\n# 丙园区经验总结\n正文。"
    report = refused(write(tmp_path / "p" / "notitle.md", text))
    assert report.field_name == "title"


def test_a_sidecar_fills_only_what_front_matter_lacks(tmp_path):
    """An upload's form is written as a sidecar: a pilot's report whose front matter
    names no pilot gets it from there (the probe saw 「字段 pilot：缺失或为空」 though the
    form held it); what the front matter declares wins, and nothing is guessed."""
    text = "---\ntitle: 丙园区经验总结\ndoc_type: 经验总结\ndate: 2025-09-01\n---\n## 一、做法\n丙园区建成光伏。"
    sidecar = (
        "pilot: 丙园区\npilot_id: park-bing\npilot_type: 园区\nregion: 银川市\ntitle: 表单标题\ndoc_type: 进展报告\n"
    )
    meta = parsed(write(tmp_path / "up" / "summary.md", text, sidecar)).meta
    assert (meta.pilot, meta.pilot_id, meta.pilot_type, meta.region) == ("丙园区", "park-bing", "园区", "银川市")
    assert (meta.title, meta.doc_type, meta.inferred) == ("丙园区经验总结", "经验总结", ())
    bad = write(tmp_path / "bad" / "summary.md", text, sidecar.replace("pilot_type: 园区", "pilot_type: 工厂"))
    report = refused(bad)
    assert report.field_name == "pilot_type" and "summary.md.meta.yaml" in report.message
    # The front matter's own mistakes stay its own: not patched from the sidecar's title.
    untitled = write(tmp_path / "own" / "notitle.md", text.replace("doc_type: 经验总结", "doc_type: 工作日志"), sidecar)
    assert refused(untitled).field_name == "doc_type"


def test_pure_inference_from_the_text_lists_every_field(tmp_path):
    text = (
        "兴庆区清河社区碳达峰试点实施方案\n\n为推动社区绿色低碳发展，制定本方案。\n"
        "一、总体要求\n（一）主要目标。到2025年，社区既有建筑节能改造完成率达到60%。\n"
    )
    meta = parsed(write(tmp_path / "docs" / "plan.md", text)).meta
    assert (meta.title, meta.pilot, meta.pilot_type, meta.region, meta.doc_type) == (
        "兴庆区清河社区碳达峰试点实施方案",
        "兴庆区清河社区",
        "社区",
        "银川市",
        "实施方案",
    )
    assert meta.inferred == ("title", "pilot", "pilot_type", "region", "doc_type")
    assert meta.period == "" and meta.demo is False


def test_a_document_that_cannot_be_inferred_names_the_field_and_the_sidecar_to_write(tmp_path):
    text = "工作情况\n\n一、基本情况\n（一）总体进展。各项工作有序推进。\n"
    report = refused(write(tmp_path / "docs" / "notes.md", text))
    assert report.field_name == "pilot"
    assert "无法从文本推断" in report.message and "notes.md.meta.yaml" in report.message
    # Told everything else that is missing at once, each field with its Chinese name
    # (the upload form's label; the probe read bare keys on the page).
    assert report.message.startswith("字段 pilot（试点名称）：无法从文本推断"), report.message
    assert "另缺 pilot_type（试点类型）、region（所在地区）" in report.message, report.message


def test_a_partial_sidecar_fills_what_the_text_cannot(tmp_path):
    text = "工作进展情况\n\n一、基本情况\n（一）总体进展。各项工作有序推进。\n"
    sidecar = "pilot: 清河社区\npilot_type: 社区\nregion: 银川市\n"
    meta = parsed(write(tmp_path / "docs" / "notes.md", text, sidecar)).meta
    assert (meta.pilot, meta.pilot_type, meta.region) == ("清河社区", "社区", "银川市")
    assert meta.title == "工作进展情况" and meta.doc_type == "进展报告"
    assert meta.inferred == ("title", "doc_type")


def test_resolve_metadata_reads_a_plain_text_body(tmp_path):
    path = tmp_path / "园区" / "贺兰山示范园区" / "report.txt"
    meta = resolve_metadata(path, ParsedBody(plain_text_sections(REPORT)))
    assert meta.pilot == "贺兰山示范园区" and meta.region == "银川市" and meta.period == "2025H1"
    with pytest.raises(MetadataError) as caught:
        resolve_metadata(tmp_path / "x" / "a.txt", ParsedBody(plain_text_sections("正文。\n（一）内容。")))
    assert caught.value.field_name == "pilot"


def test_correcting_a_sidecar_changes_the_content_hash(tmp_path):
    path = write(tmp_path / "report.md", REPORT, FULL_SIDECAR)
    before = parsed(path).content_hash
    path.with_name("report.md.meta.yaml").write_text(FULL_SIDECAR.replace("银川市", "石嘴山市"), encoding="utf-8")
    after = parsed(path)
    assert after.meta.region == "石嘴山市" and after.content_hash != before


def test_sidecars_are_not_read_as_documents(tmp_path):
    write(tmp_path / "report.md", REPORT, FULL_SIDECAR)
    result = load_documents([tmp_path])
    assert [Path(report.path).name for report in result.reports] == ["report.md"]
