"""The tanlu command: ingest with a per-file report, search with filters and JSON, stats."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from tests.conftest import write_doc

runner = CliRunner()


def test_ingest_reports_each_bad_file_and_search_finds_the_good_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("TANLU_DATA_DIR", str(tmp_path / "data"))
    corpus = tmp_path / "corpus"
    write_doc(
        corpus / "a",
        "summary.md",
        title="甲园区经验总结",
        pilot="甲园区",
        body="## 二、主要做法\n### （一）余热发电\n园区建成余热电站，装机容量2.5万千瓦。",
    )
    write_doc(corpus / "b", "summary.md", title="坏文档", pilot="乙", pilot_type="工厂", body="正文。")
    result = runner.invoke(app, ["ingest", str(corpus)])
    assert result.exit_code == 1
    assert "b/summary.md" in result.output and "pilot_type" in result.output
    assert "新增 1 篇" in result.output and "错误 1 个" in result.output

    result = runner.invoke(app, ["search", "余热电站装机多少", "--type", "园区", "-k", "3", "--json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert hits[0]["pilot"] == "甲园区" and "2.5万千瓦" in hits[0]["text"]

    result = runner.invoke(app, ["search", "余热", "--type", "工厂"])
    assert result.exit_code == 2 and "pilot_type" in result.output

    # In Chinese (a probe found English keys and raw JSON), secrets never shown; --json for machines.
    result = runner.invoke(app, ["stats"])
    assert result.exit_code == 0 and "TANLU_CHUNK_SIZE" in result.output and "文档" in result.output
    assert not {"documents", "by_pilot_type", "cached_embeddings", "{"} & set(result.output.split())
    assert '{"' not in result.output
    result = runner.invoke(app, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["knowledge_base"]["documents"] == 1 and stats["settings"]["chunk_size"] > 0
    assert stats["settings"]["write_token"] in ("已设置", "未设置")


def test_practices_and_compile_commands(tmp_path, monkeypatch, settings, kb):
    import docx

    monkeypatch.setenv("TANLU_DATA_DIR", str(settings.data_dir))
    result = runner.invoke(app, ["practices", "余热", "--type", "园区", "-n", "3", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found and all(item["pilot_type"] == "园区" and item["sources"] for item in found)

    output = tmp_path / "汇编.docx"
    result = runner.invoke(app, ["compile", str(output), "--type", "社区"])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(output))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0].startswith("一、") and headings[-1] == "参考来源"
    assert {p.text for p in document.paragraphs if p.style.name == "Heading 2"} == {"（一）社区类试点"}

    result = runner.invoke(app, ["compile", str(tmp_path / "x.docx"), "--field", "航天"])
    assert result.exit_code == 2 and "--field" in result.output


def test_a_model_that_cannot_load_is_one_chinese_line_not_a_traceback(tmp_path):
    """EmbedderError, like every TanluError, is caught once by the command group."""
    env = {
        **os.environ,
        "TANLU_DATA_DIR": str(tmp_path / "data"),
        "TANLU_EMBEDDER": "sentence-transformers",
        "TANLU_EMBEDDER_PATH": str(tmp_path / "no-such-model"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "stats"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 1
    assert "句向量模型目录不存在" in result.stderr and "no-such-model" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_input_errors_exit_2_with_the_message(tmp_path, monkeypatch):
    monkeypatch.setenv("TANLU_DATA_DIR", str(tmp_path / "data"))
    result = runner.invoke(app, ["ask", "  "])
    assert result.exit_code == 2 and "问题不能为空" in result.output
    result = runner.invoke(app, ["compile", str(tmp_path / "out.txt")])
    assert result.exit_code == 2 and ".docx、.pdf 或 .md" in result.output


def test_progress_is_log_lines_under_a_pipe_and_every_stage_ends_at_its_total(tmp_path):
    """Under nohup, systemd or a pipe, rich's bars showed nothing for minutes and ended at
    「读取文件 64/?」 and 「重建BM25索引 0/1」 (probe findings): now plain timed lines, flushed
    as they come, each stage's last line at its total."""
    corpus = tmp_path / "corpus"
    for index in range(3):
        write_doc(
            corpus / f"pipe-{index}",
            "summary.md",
            title=f"管道{index}园区经验总结",
            pilot=f"pipe-{index}",
            body=f"## 一、主要做法\n### （一）余热利用\n第{index}号园区回收余热{index + 2}兆瓦。",
        )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TANLU_", "TTY_", "FORCE_"))}
    env["TANLU_DATA_DIR"] = str(tmp_path / "data")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("tanlu")), "ingest", str(corpus)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines, seen_while_running = [], False
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        seen_while_running |= "读取文件" in line and process.poll() is None
    assert process.wait(300) == 0, "\n".join(lines)
    output = "\n".join(lines)
    assert seen_while_running, output
    assert "\x1b[" not in output and "/?" not in output
    progress = [re.fullmatch(r"\d\d:\d\d:\d\d (\S+) (\d+)/(\d+)", line) for line in lines]
    last = {match[1]: (int(match[2]), int(match[3])) for match in progress if match}
    first = {match[1]: int(match[2]) for match in reversed(progress) if match}
    assert {"读取文件", "切分与抽取", "计算向量", "写入向量库", "重建BM25索引"} <= set(last), output
    # Each stage has its start line (the second probe found none for the vector stages).
    assert all(first[stage] == 0 for stage in ("读取文件", "切分与抽取", "计算向量", "写入向量库")), first
    assert all(done == total for done, total in last.values()), last
    assert last["读取文件"] == (3, 3)
    assert "新增 3 篇" in output


def test_reading_an_empty_data_folder_says_to_ingest_first(tmp_path):
    """The probe ran ``tanlu search`` from another folder without TANLU_DATA_DIR: an
    empty data folder answered 「没有找到相关内容」 with exit 0."""
    env = {**os.environ, "TANLU_DATA_DIR": str(tmp_path / "data"), "TANLU_CONFIG": "/nonexistent/tanlu.toml"}
    for command in (["search", "光伏"], ["ask", "园区怎么利用余热？"], ["practices"]):
        result = subprocess.run(
            [sys.executable, "-m", "api.cli", *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert "知识库中还没有文档" in result.stderr and "tanlu ingest" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and "没有找到相关内容" not in result.stdout
    assert not (tmp_path / "data").exists(), "a data folder that did not exist is not made by reading it"
