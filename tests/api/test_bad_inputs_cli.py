"""Hard inputs through ``tanlu ingest``: each bad file a clear error, the rest ingested,
nothing already stored lost; and a file that vanishes in the middle of an ingest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from index import KnowledgeBase
from index.config import IndexConfig
from tests.bad_inputs import build_bad_inputs, check_reports
from tests.conftest import ROOT, write_doc


def _run_ingest(folder: Path, data_dir: Path) -> tuple[int, dict, str]:
    env = {**os.environ, "TANLU_DATA_DIR": str(data_dir), "TANLU_CONFIG": str(data_dir / "absent.toml")}
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "ingest", str(folder), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.stdout.strip(), result.stderr[-3000:]
    return result.returncode, json.loads(result.stdout), result.stderr


def test_every_bad_input_is_reported_and_the_rest_ingested(tmp_path):
    folder = tmp_path / "inputs"
    data_dir = tmp_path / "data"
    # Something already stored, which the bad batch must not disturb.
    stored = write_doc(
        tmp_path / "stored" / "kept",
        "summary.md",
        title="既有园区经验总结",
        pilot="既有园区",
        body="一、主要做法\n（一）光伏治沙。园区在荒漠建设光伏电站，板下种植沙生植物。",
    )
    code, _, stderr = _run_ingest(stored.parent.parent, data_dir)
    assert code == 0, stderr[-2000:]

    expected = build_bad_inputs(folder)
    code, report, stderr = _run_ingest(folder, data_dir)
    assert code == 1, "errors must give a non-zero exit"
    reports = {str(Path(f["path"]).resolve().relative_to(folder.resolve())): f for f in report["files"]}
    check_reports(reports, expected)
    assert not any(name.endswith(".meta.yaml") for name in reports), "sidecars are not documents"
    assert report["added"] == sum(1 for outcome in expected.values() if outcome.status == "ok")
    assert report["errors"] == sum(1 for outcome in expected.values() if outcome.status == "error")
    assert "读取文件" in stderr, "progress is shown on stderr"

    kb = KnowledgeBase(IndexConfig(data_dir=data_dir))
    try:
        held = {doc.doc_id for doc in kb.documents()}
        assert {"既有园区/summary", "好样例园区/summary", "bad-sample-park/report", "重复编号园区/summary"} <= held
        assert kb.document("重复编号园区/summary").meta["title"] == "重复编号经验总结"
        assert kb.search("光伏治沙 沙生植物", top_k=1)[0].record.doc_id == "既有园区/summary"
        assert kb.search("钒液流储能电站规模", top_k=3)[0].record.doc_id == "bad-sample-park/report"
        assert kb.search("厂房屋顶光伏覆盖率", top_k=3)[0].record.doc_id == "bad-sample-park/misnamed"
    finally:
        kb.close()


def test_a_file_that_vanishes_mid_ingest_is_reported_and_the_rest_ingested(tmp_path):
    folder = tmp_path / "corpus"
    paths = [
        write_doc(
            folder / f"p{index}",
            "summary.md",
            title=f"消失测试{index}经验总结",
            pilot=f"消失测试{index}",
            body=f"一、主要做法\n（一）节能改造。第{index}号园区完成电机改造。",
        )
        for index in range(3)
    ]
    kb = KnowledgeBase(IndexConfig(data_dir=tmp_path / "data"))
    try:

        def vanish_the_last_file(stage: str, done: int, total: int) -> None:
            if stage == "读取文件" and done == 1 and paths[-1].exists():
                paths[-1].unlink()

        report = kb.ingest([folder], vanish_the_last_file)
        outcome = {Path(f.path).parent.name: f for f in report.files}
        assert outcome["p2"].status == "error" and "不存在" in outcome["p2"].message
        assert outcome["p0"].ok and outcome["p1"].ok
        assert {doc.doc_id for doc in kb.documents()} == {"消失测试0/summary", "消失测试1/summary"}
    finally:
        kb.close()
