"""The founding plan (宁夏碳达峰试点建设方案, a real government document in ../shared/seed):
its 一、（一） numbering must come out as heading paths, and inference must not pretend to
know which pilot a region-wide plan belongs to."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ingest.documents import ParsedBody
from ingest.formats import BY_EXTENSION
from ingest.loader import parse_file
from ingest.metadata_inference import TextClues, infer_pilot_type
from ingest.metadata_sources import reading_lines, resolve_metadata
from ingest.numbering import MAX_HEADING_CHARS, numbering_level

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seed" / "000_024ce7f457ff4c1b.txt"

pytestmark = pytest.mark.skipif(not SEED.is_file(), reason=f"共享目录中没有创始方案 {SEED}（../shared 不在本机时跳过）")


def seed_text() -> str:
    raw = SEED.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # Chinese government text files are often GB18030
        return raw.decode("gb18030")


def han_count(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff]", text))


def seed_body(tmp_path: Path) -> tuple[ParsedBody, Path]:
    """The plan parsed the way a user's ingest would read it."""
    copy = tmp_path / SEED.name
    shutil.copyfile(SEED, copy)
    return BY_EXTENSION[".txt"].parse(copy.read_bytes()), copy


def test_the_seed_is_text_in_a_known_encoding():
    text = seed_text()
    assert "碳达峰试点" in text and "一、总体要求" in text


def test_the_plans_numbering_becomes_heading_paths(tmp_path):
    body, _ = seed_body(tmp_path)
    paths = [section.heading_path for section in body.sections if section.heading_path]
    tops = list(dict.fromkeys(path[0] for path in paths))
    assert tops == ["一、总体要求", "二、建设内容", "三、建设类型", "四、组织实施"]
    for expected in [
        ("一、总体要求", "（一）指导思想"),
        ("一、总体要求", "（三）主要目标"),
        ("二、建设内容", "（三）强化科技支撑"),
        ("三、建设类型", "（二）园区试点"),
        ("三、建设类型", "（六）企业试点"),
        ("四、组织实施", "（五）做好经验推广"),
    ]:
        assert expected in paths, expected
    # The six pilot types of the plan, in its order.
    kinds = [path[1] for path in paths if path[0] == "三、建设类型" and len(path) == 2]
    assert kinds == [
        "（一）城市试点",
        "（二）园区试点",
        "（三）乡村试点",
        "（四）社区试点",
        "（五）公共机构试点",
        "（六）企业试点",
    ]
    # The 「——坚持……」 principles stay in the section that lists them.
    principles = next(s for s in body.sections if s.heading_path == ("一、总体要求", "（二）基本原则"))
    assert sum(block.lstrip().startswith("——坚持") for block in principles.blocks) == 4


def test_no_heading_path_is_absurd(tmp_path):
    body, _ = seed_body(tmp_path)
    for section in body.sections:
        path = section.heading_path
        assert all(len(heading) <= MAX_HEADING_CHARS for heading in path), path
        levels = [numbering_level(heading) for heading in path]
        assert all(levels), path  # every heading of this plan carries its number
        assert levels == sorted(levels) and len(set(levels)) == len(levels), path  # levels nest
    # A section, once left, is never re-entered: every heading prefix forms one run.
    for depth in (1, 2):
        prefixes = [s.heading_path[:depth] for s in body.sections if len(s.heading_path) >= depth]
        runs = [prefix for index, prefix in enumerate(prefixes) if index == 0 or prefixes[index - 1] != prefix]
        assert len(runs) == len(set(runs)), runs
    # Nothing of the plan is lost: every Chinese character of the file is in the title,
    # a heading or a paragraph.
    kept = body.title + "".join(reading_lines(body))
    assert han_count(kept) >= han_count(seed_text())


def test_inference_files_the_plan_under_the_programme_not_a_pilot(tmp_path):
    body, path = seed_body(tmp_path)
    lines = reading_lines(body)
    text = "\n".join(lines)
    title = body.title or lines[0]
    assert title == "宁夏碳达峰试点建设方案"
    # The plan describes all six pilot types: no type may be guessed for it.
    assert infer_pilot_type(TextClues(title=title, file_name=path.stem, head=text[:2000])) is None
    meta = resolve_metadata(path, body)
    assert (meta.pilot, meta.pilot_id, meta.pilot_type, meta.region) == ("", "", "", "")
    assert (meta.scope, meta.doc_type) == ("自治区", "政策文件")
    assert {"scope", "doc_type"} <= set(meta.inferred)  # marked 推断 wherever shown
    assert "宁夏" in meta.extra["inference_evidence"]["scope"]


def test_the_plan_reads_through_the_loader_without_a_sidecar(tmp_path):
    copy = tmp_path / SEED.name
    shutil.copyfile(SEED, copy)
    document, report = parse_file(copy)
    assert document is not None, report
    assert document.doc_id == f"policy/{SEED.stem}"
    assert document.meta.doc_type == "政策文件" and document.meta.programme
    paths = [section.heading_path for section in document.sections]
    assert ("一、总体要求", "（一）指导思想") in paths and ("四、组织实施", "（四）加强总结评估") in paths
    assert not any(path and path[0] == "宁夏碳达峰试点建设方案" for path in paths)


def test_the_demo_corpus_holds_the_plan_byte_for_byte():
    assert (ROOT / "corpus" / "policy" / SEED.name).read_bytes() == SEED.read_bytes()
