"""What a new user reads from ``tanlu``, as a real process with its stdout piped (nohup,
systemd, ``| cat``) or on a real terminal (a pty): lines never cut in a pipe, every
progress stage ending at its total, Chinese help (findings of a new-user probe)."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from api.settings import Settings
from tests.conftest import ROOT, write_doc

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def tanlu_env(data: Path, **extra: str) -> dict[str, str]:
    """No TANLU_* setting, terminal hint or width inherited from the test's own environment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TANLU_", "TTY_", "FORCE_"))}
    env.pop("COLUMNS", None)
    env.update(TANLU_DATA_DIR=str(data), TANLU_CONFIG=str(data.parent / "absent.toml"), **extra)
    return env


def tanlu(data: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    """``python -m api.cli`` of this checkout, stdout and stderr piped."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env=tanlu_env(data, **extra),
        capture_output=True,
        text=True,
        timeout=600,
    )


def on_a_terminal(data: Path, *args: str) -> str:
    """``python -m api.cli`` with its stdout and stderr on a pty; what it showed, without
    colour codes."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env=tanlu_env(data, COLUMNS="100"),
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    shown = bytearray()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if select.select([leader], [], [], 1)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the process ended and closed the pty
                break
            if not chunk:
                break
            shown += chunk
        elif process.poll() is not None:
            break
    process.wait(60)
    os.close(leader)
    return ANSI.sub("", shown.decode("utf-8", errors="replace"))


def bad_corpus(root: Path) -> Path:
    """Two files that both fail (an unknown pilot type)."""
    for number in range(2):
        write_doc(
            root / f"bad-{number}",
            "summary.md",
            title="坏文档",
            pilot=f"bad-{number}",
            pilot_type="工厂",
            body="正文。",
        )
    return root


def test_in_a_pipe_no_line_is_wrapped_or_cut(tmp_path):
    """The probe saw 「新计算向量 348 \\n个（缓存命中 0）」, stats descriptions ending in 「…」
    and tokens list showing 「park-ningdong-qingqu…」: rich wrapped at 80 columns."""
    data, corpus = tmp_path / "data", tmp_path / "corpus"
    write_doc(
        corpus / "pipe-park",
        "summary.md",
        title="管道园区经验总结",
        pilot="pipe-park",
        body="## 一、主要做法\n### （一）余热利用\n园区回收余热3兆瓦。",
    )
    bad_corpus(corpus)
    result = tanlu(data, "ingest", str(corpus))
    assert result.returncode == 1, result.stderr
    summary = [line for line in result.stdout.splitlines() if line.startswith("新增 ")]
    assert len(summary) == 1 and re.fullmatch(r"新增 1 篇.*缓存命中 \d+）；错误 2 个；用时 [\d.]+ 秒", summary[0]), (
        result.stdout
    )
    errors = [line for line in result.stdout.splitlines() if line.startswith("错误 ")]
    assert len(errors) == 2 and all(line.endswith("应为：城市、园区、乡村、社区、公共机构、企业") for line in errors)

    pilot = "park-ningdong-qingquan-long-pilot-identifier"
    assert tanlu(data, "tokens", "add", "--pilot", pilot, "--note", "联系人：张三，发展改革委员会").returncode == 0
    listed = tanlu(data, "tokens", "list")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if pilot in line)
    assert "联系人：张三，发展改革委员会" in row and re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", row), row
    assert "…" not in listed.stdout

    stats = tanlu(data, "stats")
    assert stats.returncode == 0, stats.stderr
    assert "…" not in stats.stdout
    for name, field in Settings.model_fields.items():
        row = next(line for line in stats.stdout.splitlines() if f"TANLU_{name.upper()} " in line)
        assert (field.description or "") in row, row
    assert max(len(line) for line in stats.stdout.splitlines()) < 400, "not padded to some huge width"


def test_when_every_file_fails_each_stage_still_ends_at_its_total(tmp_path):
    """The probe saw 「切分与抽取 0」 in a pipe and 「0/?」 on a terminal."""
    corpus = bad_corpus(tmp_path / "corpus")
    result = tanlu(tmp_path / "data", "ingest", str(corpus))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    stages = [re.fullmatch(r"\d\d:\d\d:\d\d (\S+) (\S+)", line) for line in lines]
    last = {match[1]: match[2] for match in stages if match}
    assert last == {"读取文件": "2/2", "切分与抽取": "0/0", "重建BM25索引": "1/1"}, result.stdout

    shown = on_a_terminal(tmp_path / "data-tty", "ingest", str(corpus))
    assert "/?" not in shown, shown
    assert re.search(r"切分与抽取.*\b0/0\b", shown) and re.search(r"读取文件.*\b2/2\b", shown), shown


def test_help_is_in_chinese(tmp_path):
    for args in (["--help"], ["ingest", "--help"], ["tokens", "--help"], ["tokens", "add", "--help"]):
        result = tanlu(tmp_path / "data", *args)
        assert result.returncode == 0, result.stderr
        assert "Show this message" not in result.stdout and "显示此帮助" in result.stdout, result.stdout
        # The frame too, and wide enough in a pipe that a command's line is not broken
        # mid-sentence (the second probe read 「…--check；… / 1）」 over two lines at 80 columns).
        assert "选项" in result.stdout and "Options" not in result.stdout, result.stdout
    page = tanlu(tmp_path / "data", "--help").stdout
    assert "命令" in page and "Commands" not in page
    assert any("--check；有未解释的条目时退出码为 1）" in line for line in page.splitlines()), page
    search = tanlu(tmp_path / "data", "search", "--help").stdout
    assert "[默认：5]" in search and "[必填]" in search and "[default" not in search, search
    assert "用法：" in search and "[选项]" in search and "Usage" not in search and "OPTIONS" not in search, search
    assert "命令 [参数]..." in page, page


# click's English words for a usage error; none may reach the user.
CLICK_WORDS = ("Missing", "Invalid value", "No such", "Got unexpected", "requires", "Try ", "Error", "Did you mean")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["search"], "缺少参数 'query'：检索问题或关键词"),
        (["tokens", "add"], "缺少选项 '--pilot'：试点编号"),
        (["search", "--top-k", "五", "光伏"], "选项 '-k' / '--top-k' 的值无效：应为整数"),
        (["search", "-k", "0", "光伏"], "的值无效：不能小于 1"),
        (["serve", "--workers", "99"], "选项 '--workers' 的值无效：不能大于 32"),
        (["search", "--mode", "向量", "光伏"], "应为 'hybrid'、'bm25'、'dense' 之一（此次为 '向量'）"),
        (["search", "光伏", "发电"], "多余的参数：发电。含空格的内容（检索词、问题、路径）请整体加引号"),
        (["search", "--bogus", "光伏"], "没有选项 --bogus"),
        (["search", "-k"], "选项 -k 后面需要一个值"),
        (["search", "--json=1", "光伏"], "选项 --json 不接受值"),
        (["serch", "光伏"], "没有命令 'serch'（是否要用 'search'、'serve'？）"),
    ],
)
def test_a_usage_mistake_is_said_in_chinese(tmp_path, args, said):
    """Before, click's own English: 「Missing argument 'query'.」, 「Try 'tanlu search
    --help' for help.」 under the Chinese usage line."""
    result = tanlu(tmp_path / "data", *args)
    assert result.returncode == 2, result.stderr
    shown = " ".join(result.stderr.split())  # the error panel's box may wrap a line
    assert said in shown.replace("│ ", "").replace(" │", ""), result.stderr
    assert not [word for word in CLICK_WORDS if word in result.stderr], result.stderr
    assert not (tmp_path / "data").exists()  # nothing ran


def test_ingest_of_paths_that_do_not_exist_says_so_and_makes_nothing(tmp_path):
    """Before: 「路径不存在」, then a made data folder and a report reading 「错误 0 个」."""
    result = tanlu(tmp_path / "data", "ingest", str(tmp_path / "语料"), str(tmp_path / "报告.md"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == f"路径不存在：{tmp_path / '语料'}、{tmp_path / '报告.md'}；未导入任何文件。"
    assert "错误 0 个" not in result.stdout and not (tmp_path / "data").exists()
    # One path found among the missing: it is ingested, the missing one named, exit 1.
    write_doc(
        tmp_path / "语料" / "park-x",
        "summary.md",
        title="某园区经验总结",
        pilot="park-x",
        body="## 做法\n园区建设储能电站。",
    )
    result = tanlu(tmp_path / "data", "ingest", str(tmp_path / "语料"), str(tmp_path / "报告.md"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"路径不存在：{tmp_path / '报告.md'}" in result.stderr and "新增 1 篇" in result.stdout


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Path:
    """A data folder with one document, made by ``tanlu ingest``; tests copy it."""
    root = tmp_path_factory.mktemp("ingested")
    corpus = root / "corpus"
    write_doc(
        corpus / "bk-park",
        "summary.md",
        title="备份园区经验总结",
        pilot="bk-park",
        body="## 一、主要做法\n### （一）储能调峰\n园区建设储能电站2座，参与电网调峰。",
    )
    result = tanlu(root / "data", "ingest", str(corpus))
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "data"


def as_unprivileged(data: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m api.cli`` as the probe ran it: as root without the capabilities that
    let root ignore file permissions (setpriv), otherwise as the user it is."""
    command = [sys.executable, "-m", "api.cli", *args]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root needs setpriv to be refused by file permissions")
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", *command]
    return subprocess.run(command, cwd=ROOT, env=tanlu_env(data), capture_output=True, text=True, timeout=600)


def read_only(path: Path) -> None:
    for item in [path, *path.rglob("*")]:
        item.chmod(item.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def writable(path: Path) -> None:
    for item in [path, *path.rglob("*")]:
        item.chmod(item.stat().st_mode | stat.S_IWUSR)


def test_backup_of_a_read_only_data_folder(tmp_path, ingested):
    """The probe's backup of a read-only folder failed with 「备份失败：Permission denied
    （…/ingest.lock）」: the lock is now taken through a read-only descriptor, and SQLite
    files it cannot read in place are copied as files."""
    data = tmp_path / "data"
    shutil.copytree(ingested, data)
    bare = tmp_path / "bare"  # a folder no writer has used: restored, never served (second probe)
    shutil.copytree(ingested, bare)
    (bare / "ingest.lock").unlink()
    read_only(data)
    read_only(bare)
    try:
        result = as_unprivileged(data, "backup", str(tmp_path / "backup"))
        assert result.returncode == 0, result.stderr
        copied = as_unprivileged(bare, "backup", str(tmp_path / "backup-bare"))
        assert copied.returncode == 0 and "文档 1 篇" in copied.stdout, copied.stderr
        assert "已备份到" in result.stdout and "文档 1 篇" in result.stdout
        manifest = json.loads((tmp_path / "backup" / "backup.json").read_text(encoding="utf-8"))
        assert manifest["documents"] == 1 and manifest["chunks"] >= 1

        # Where the copy cannot be written: one Chinese line, no OS English.
        refused = as_unprivileged(data, "backup", str(data / "inside"))
        assert refused.returncode == 1, refused.stderr
        lines = [line for line in refused.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("备份失败：") and "只读或没有读写权限" in lines[0], lines
        assert lines[0] == f"备份失败：{data / 'inside'}：只读或没有读写权限", lines
    finally:
        writable(data)
        writable(bare)
    restored = tmp_path / "restored"
    assert tanlu(restored, "restore", str(tmp_path / "backup")).returncode == 0
    found = tanlu(restored, "search", "储能调峰", "--json")
    assert found.returncode == 0 and json.loads(found.stdout)[0]["doc_id"] == "bk-park/summary", found.stderr


def test_backup_says_once_that_it_waits_for_an_ingest(tmp_path, ingested):
    """The probe saw 「正在等待进行中的导入完成…」 twice."""
    from index.ingest_lock import IngestLock

    lock = IngestLock(ingested)
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock.held():
            taken.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        taken.wait(10)
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "backup", str(tmp_path / "backup")],
            cwd=ROOT,
            env=tanlu_env(ingested),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(4)  # the backup waits, told about once a second
    finally:
        release.set()
        holder.join(30)
        lock.close()
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0 and "已备份到" in out, err
    assert err.count("正在等待进行中的导入完成") == 1, err


def test_a_token_for_a_pilot_without_documents_is_made_with_a_warning(tmp_path, ingested):
    """Allowed (a pilot may get its token before its first upload), but the probe's
    ``tokens add --pilot no-such-pilot`` said nothing about it."""
    data = tmp_path / "data"
    shutil.copytree(ingested, data)
    made = tanlu(data, "tokens", "add", "--pilot", "no-such-pilot")
    assert made.returncode == 0, made.stderr
    assert re.fullmatch(r"tlp_[0-9a-f]{8}_\S+", made.stdout.splitlines()[-1]), made.stdout
    warning = [line for line in made.stderr.splitlines() if line.strip()]
    assert len(warning) == 1 and "还没有试点 no-such-pilot 的文档" in warning[0], made.stderr
    assert "已有文档的试点编号：bk-park" in warning[0], warning
    assert "no-such-pilot" in tanlu(data, "tokens", "list").stdout

    known = tanlu(data, "tokens", "add", "--pilot", "bk-park")
    assert known.returncode == 0 and not known.stderr.strip(), known.stderr

    fresh = tanlu(tmp_path / "fresh", "tokens", "add", "--pilot", "new-park")
    assert fresh.returncode == 0 and "数据目录中还没有任何试点的文档" in fresh.stderr, fresh.stderr
    assert not (tmp_path / "fresh" / "catalog.sqlite").exists(), "asking creates no catalogue"


def test_bad_token_input_is_one_chinese_line(tmp_path):
    """Input the user can correct exits 2 with one Chinese line, as everywhere in tanlu
    (api/cli.py _Commands): no usage text, no English."""
    for args, expected in (
        (("tokens", "add", "--pilot", "../../etc"), "试点编号“../../etc”无效"),
        (("tokens", "revoke", "deadbeef"), "未找到编号为 deadbeef 的试点令牌"),
    ):
        result = tanlu(tmp_path / "data", *args)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith(expected), result.stderr
        assert "Usage" not in result.stderr + result.stdout and "Error" not in result.stderr
