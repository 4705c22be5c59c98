"""Reading a folder: bad files are refused with their name and field, the rest is read."""

from pathlib import Path

import pytest

from ingest.loader import load_documents
from tests.conftest import write_doc

GOOD_BODY = "## 一、基本情况\n园区推进余热利用，年节约标准煤1.2万吨。"


def _reports_by_name(result):
    return {Path(report.path).name: report for report in result.reports}


def test_bad_files_are_reported_and_good_ones_read(tmp_path):
    write_doc(tmp_path / "p", "good.md", title="好文档", pilot="甲园区", body=GOOD_BODY)
    write_doc(tmp_path / "p", "type.md", title="类型错", pilot="乙园区", pilot_type="工厂", body=GOOD_BODY)
    (tmp_path / "p" / "yaml.md").write_text("---\ntitle: [未闭合\n---\n正文", encoding="utf-8")
    (tmp_path / "p" / "notitle.md").write_text(
        "---\npilot: 丙\npilot_type: 园区\nregion: 银川市\ndoc_type: 经验总结\n---\n正文。", encoding="utf-8"
    )
    (tmp_path / "p" / "empty.md").write_text("", encoding="utf-8")
    (tmp_path / "p" / "picture.png").write_bytes(b"\x89PNG")
    result = load_documents([tmp_path])
    reports = _reports_by_name(result)
    assert [doc.meta.title for doc in result.documents] == ["好文档"]
    assert reports["good.md"].status == "ok"
    assert reports["type.md"].status == "error" and reports["type.md"].field_name == "pilot_type"
    assert "工厂" in reports["type.md"].message
    assert reports["yaml.md"].status == "error" and "YAML" in reports["yaml.md"].message
    assert reports["notitle.md"].field_name == "title"
    assert reports["empty.md"].status == "error" and "空" in reports["empty.md"].message
    assert reports["picture.png"].status == "skipped"
    assert all(str(tmp_path) in report.path for report in result.reports)


def test_duplicate_document_ids_in_one_batch_are_refused(tmp_path):
    write_doc(tmp_path / "a", "summary.md", title="一", pilot="甲园区", body=GOOD_BODY)
    write_doc(tmp_path / "b", "summary.md", title="二", pilot="甲园区", body=GOOD_BODY)
    result = load_documents([tmp_path])
    assert len(result.documents) == 1
    error = next(report for report in result.reports if report.status == "error")
    assert "重复" in error.message and "甲园区/summary" in error.message


def test_title_heading_is_not_repeated_in_heading_paths(tmp_path):
    body = "# 甲园区经验总结\n## 一、基本情况\n园区概况。"
    write_doc(tmp_path, "s.md", title="甲园区经验总结", pilot="甲园区", body=body)
    document = load_documents([tmp_path]).documents[0]
    assert document.sections[0].heading_path == ("一、基本情况",)


def test_demo_corpus_reads_cleanly_with_all_pilot_types():
    corpus = Path(__file__).resolve().parents[2] / "corpus"
    result = load_documents([corpus])
    assert [r for r in result.reports if r.status != "ok"] == []
    # The founding plan (corpus/policy) is real and the programme's, not a pilot's.
    programme = [doc for doc in result.documents if doc.meta.programme]
    assert [(doc.doc_id.split("/")[0], doc.meta.scope, doc.meta.demo) for doc in programme] == [
        ("policy", "自治区", False)
    ]
    documents = [doc for doc in result.documents if not doc.meta.programme]
    assert len(documents) >= 64
    types = {doc.meta.pilot_type for doc in documents}
    assert types == {"城市", "园区", "乡村", "社区", "公共机构", "企业"}
    assert all(doc.meta.demo for doc in documents)
    pilots = {doc.meta.pilot_id: doc.meta.pilot_type for doc in documents}
    counts = {t: list(pilots.values()).count(t) for t in types}
    assert counts == {"城市": 1, "园区": 3, "乡村": 3, "社区": 2, "公共机构": 2, "企业": 5}


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16"])
def test_markdown_from_old_office_systems_is_read_in_its_own_encoding(tmp_path, encoding):
    source = (
        "---\ntitle: 丁园区经验总结\npilot: 丁园区\npilot_type: 园区\nregion: 银川市\ndoc_type: 经验总结\n"
        "period: 2025H1\n---\n## 一、主要做法\n园区推进余热梯级利用。\n"
    )
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "summary.md").write_bytes(source.encode(encoding))
    result = load_documents([tmp_path])
    assert [report.message for report in result.reports if report.status != "ok"] == []
    [document] = result.documents
    assert document.meta.title == "丁园区经验总结"
    assert document.sections[0].heading_path == ("一、主要做法",)
    assert "余热梯级利用" in document.sections[0].text
