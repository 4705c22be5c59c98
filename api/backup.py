"""``tanlu backup`` / ``tanlu restore``: a consistent copy of the data folder, taken while
servers keep answering.

A backup holds the data folder's ingest lock (index/ingest_lock.py) for its whole run,
so no ingest, upload or deletion writes meanwhile (they wait, then go on); readers are
not disturbed. SQLite files (catalogue, embedding cache, jobs, Chroma's own) are copied
with SQLite's online backup, which gives one committed state even while other processes
have them open; the BM25 folder that ``CURRENT`` names, Chroma's segment files and the
uploads are copied as files. ``backup.json`` records when, and what the copy holds.

A restore refuses a data folder that a server or a writer is using, builds the copy
beside it and swaps it in with renames; the folder it replaces is kept, renamed.
Vectors a copy lacks (a backup taken in Chroma server mode) are rebuilt from the
catalogue and the embedding cache when the knowledge base opens, without model time.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from index.catalog import CATALOG_FILE
from index.ingest_lock import IngestLock
from ingest.errors import DISK_FULL, InputError, TanluError, as_storage_error

MANIFEST = "backup.json"
# Not copied: locks and owners belong to live processes, the jieba cache is rebuilt,
# staged uploads belong to jobs that did not finish.
SKIPPED = {"ingest.lock", "jobs.owners", "cache", ".staging"}


class BackupError(TanluError):
    """A backup or restore that cannot be done, said in Chinese."""


def _copy_sqlite(source: Path, target: Path) -> None:
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60) as origin, sqlite3.connect(target) as copy:
            origin.backup(copy)
        origin.close()
        copy.close()
    except sqlite3.OperationalError as error:
        if as_storage_error(error) is None or not target.parent.is_dir():
            raise
        _copy_sqlite_files(source, target)


def _copy_sqlite_files(source: Path, target: Path) -> None:
    """A database SQLite cannot read in place, copied as files: its folder is read-only,
    and SQLite, even reading, must write a WAL database's ``-shm`` beside it. Nothing
    writes it meanwhile: the backup holds the ingest lock and the folder cannot be
    written. The copy, with its ``-wal``, is opened once where it can be written, which
    folds the log into the file like the online backup would."""
    target.unlink(missing_ok=True)
    shutil.copy2(source, target)
    log = source.with_name(source.name + "-wal")
    if log.exists():
        shutil.copy2(log, target.with_name(target.name + "-wal"))
    with sqlite3.connect(target) as copy:
        copy.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy.close()


def _copy_tree(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        if path.name in SKIPPED or path.name.endswith(("-wal", "-shm", "-journal")):
            continue
        if path.is_dir():
            _copy_tree(path, target / path.name)
        elif path.suffix in (".sqlite", ".sqlite3"):
            _copy_sqlite(path, target / path.name)
        else:
            shutil.copy2(path, target / path.name)


def _copy_bm25(source: Path, target: Path) -> None:
    """Only the index ``CURRENT`` names (older folders may be mid-removal)."""
    pointer = source / "CURRENT"
    if not pointer.exists():
        return
    current = pointer.read_text(encoding="utf-8").strip()
    shutil.copytree(source / current, target / current)
    shutil.copy2(pointer, target / "CURRENT")


def _failure(action: str, error: OSError | sqlite3.Error, path: Path, staging: Path) -> BackupError:
    """One Chinese line for a failed copy: what failed, where, and why in the user's
    words (the OS's and SQLite's own are English). A file of the ``staging`` folder the
    copy is built in is named by ``path``, the folder the user gave."""
    where = str(getattr(error, "filename", None) or path)
    if Path(where).is_relative_to(staging):
        where = str(path)
    code = getattr(error, "errno", None)
    storage = as_storage_error(error)
    if storage is not None and storage.message == DISK_FULL:
        reason = "磁盘空间不足"
    elif storage is not None:
        reason = "只读或没有读写权限"
    elif code == errno.ENOENT:
        reason = "文件或目录不存在"
    else:
        reason = f"读写出错（错误号 {code}）" if code else "读写出错"
    return BackupError(f"{action}失败：{where}：{reason}")


def _held(data_dir: Path) -> dict:
    catalogue = data_dir / CATALOG_FILE
    if not catalogue.exists():
        return {"documents": 0, "chunks": 0, "generation": ""}
    with sqlite3.connect(f"file:{catalogue}?mode=ro", uri=True) as db:
        documents = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        chunks = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        row = db.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
    db.close()
    return {"documents": documents, "chunks": chunks, "generation": row[0] if row else ""}


def backup(data_dir: Path, target: Path, waiting: Callable[[float], None] | None = None) -> dict:
    """Copy ``data_dir`` into the new folder ``target``; returns the manifest."""
    if not (data_dir / CATALOG_FILE).exists():
        raise BackupError(f"数据目录 {data_dir} 中没有知识库（catalog.sqlite），无可备份的内容")
    if target.exists() and any(target.iterdir()):
        raise InputError(f"备份目录 {target} 已存在且不为空，请换一个新目录", parameter="target")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    lock = IngestLock(data_dir, for_reading=True)
    try:
        with lock.held(waiting):
            for path in sorted(data_dir.iterdir()):
                if path.name in SKIPPED or path.name.endswith(("-wal", "-shm", "-journal")):
                    continue
                if path.name == "bm25":
                    _copy_bm25(path, partial / "bm25")
                elif path.is_dir():
                    _copy_tree(path, partial / path.name)
                elif path.suffix == ".sqlite":
                    partial.mkdir(parents=True, exist_ok=True)
                    _copy_sqlite(path, partial / path.name)
            manifest = {"created_at": datetime.now().astimezone().isoformat(timespec="seconds"), **_held(partial)}
    except (OSError, sqlite3.Error) as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise _failure("备份", error, target, partial) from error
    finally:
        lock.close()
    (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    if target.exists():
        target.rmdir()
    os.replace(partial, target)
    return manifest


def _in_use(data_dir: Path) -> bool:
    """Whether a writer holds the ingest lock or a server is alive on ``data_dir``."""
    locks = [data_dir / "ingest.lock", *sorted((data_dir / "jobs.owners").glob("*.lock"))]
    for path in locks:
        if not path.exists():
            continue
        handle = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(handle)
    return False


def restore(source: Path, data_dir: Path, *, force: bool = False) -> tuple[dict, Path | None]:
    """Put the backup ``source`` in place of ``data_dir``; returns its manifest and where
    the replaced folder was kept (None if there was none)."""
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise InputError(f"{source} 不是 tanlu backup 生成的备份（缺少 {MANIFEST}）", parameter="source")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if data_dir.exists() and _in_use(data_dir):
        raise BackupError(f"数据目录 {data_dir} 正被服务或导入使用：请先停止 tanlu serve 和正在进行的导入，再恢复")
    replaced = data_dir.exists() and any(data_dir.iterdir())
    if replaced and not force:
        raise InputError(f"数据目录 {data_dir} 不为空：确认要用备份替换它时加 --force（原目录会改名保留）")
    incoming = data_dir.with_name(data_dir.name + ".restoring")
    shutil.rmtree(incoming, ignore_errors=True)
    try:
        _copy_tree(source, incoming)
    except (OSError, sqlite3.Error) as error:
        shutil.rmtree(incoming, ignore_errors=True)
        raise _failure("恢复", error, data_dir, incoming) from error
    (incoming / MANIFEST).unlink(missing_ok=True)
    kept = None
    if data_dir.exists():
        if replaced:
            kept = data_dir.with_name(f"{data_dir.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}")
            os.replace(data_dir, kept)
        else:
            data_dir.rmdir()
    os.replace(incoming, data_dir)
    return manifest, kept
