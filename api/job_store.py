"""Jobs on disk: ``<data>/jobs.sqlite`` keeps every job, its progress and its report.

A job outlives the process that ran it: after a restart ``GET /jobs/{id}`` still shows
a finished job's per-file results, and a job that was queued or running when its
process stopped (or was killed) is found here and resumed or failed with its reason
(api/jobs.py). Two server processes on one data folder share the file, so a job
submitted to one can be followed through the other.

Which process a job belongs to is an *owner*: each registry holds an exclusive
``flock`` on ``jobs.owners/<owner>.lock`` while it lives. The kernel drops that lock
when the process ends, however it ends, so "can I lock the owner's file?" tells a
dead owner from a busy one without trusting process ids (which are reused).
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.sqlite_connections import ThreadConnections
from ingest.documents import FileReport

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL,
    stage TEXT NOT NULL DEFAULT '',
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL DEFAULT '',
    finished_at TEXT NOT NULL DEFAULT '',
    files TEXT NOT NULL DEFAULT '[]',
    summary TEXT NOT NULL DEFAULT '{}',
    message TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    params TEXT NOT NULL DEFAULT '{}',
    owner TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state);
"""

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
FINISHED = (DONE, FAILED)


@dataclass
class Job:
    job_id: str
    kind: str
    description: str
    state: str = QUEUED
    stage: str = ""
    done: int = 0
    total: int = 0
    created_at: str = ""
    started_at: str = ""
    finished_at: str = ""
    files: list[FileReport] = field(default_factory=list)
    summary: dict[str, float | int] = field(default_factory=dict)
    message: str = ""
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


@dataclass(frozen=True)
class StoredJob:
    """A job as found on disk, with what is needed to run it again."""

    job: Job
    params: dict[str, Any]
    owner: str


_COLUMNS = (
    "job_id, kind, description, state, stage, done, total, created_at, started_at, finished_at,"
    " files, summary, message, error, params, owner"
)


def _job(row: tuple) -> StoredJob:
    files = [FileReport(**item) for item in json.loads(row[10])]
    job = Job(
        job_id=row[0],
        kind=row[1],
        description=row[2],
        state=row[3],
        stage=row[4],
        done=row[5],
        total=row[6],
        created_at=row[7],
        started_at=row[8],
        finished_at=row[9],
        files=files,
        summary=json.loads(row[11]),
        message=row[12],
        error=row[13],
    )
    return StoredJob(job, json.loads(row[14]), row[15])


class JobStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "jobs.sqlite"
        self.owners_dir = data_dir / "jobs.owners"
        self._connections = ThreadConnections(self.path, _SCHEMA)
        self.owner = ""
        self._owner_handle: int | None = None

    @property
    def _db(self) -> sqlite3.Connection:
        return self._connections.get()

    # -- owners ------------------------------------------------------------------
    def claim_owner(self) -> str:
        """Become a live owner: an id and a lock held for as long as this process lives."""
        if self._owner_handle is None:
            self.owners_dir.mkdir(parents=True, exist_ok=True)
            self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
            handle = os.open(self.owners_dir / f"{self.owner}.lock", os.O_CREAT | os.O_RDWR, 0o644)
            fcntl.flock(handle, fcntl.LOCK_EX)
            self._owner_handle = handle
        return self.owner

    def release_owner(self) -> None:
        if self._owner_handle is not None:
            (self.owners_dir / f"{self.owner}.lock").unlink(missing_ok=True)
            os.close(self._owner_handle)
            self._owner_handle = None

    @contextmanager
    def _dead(self, owner: str) -> Iterator[bool]:
        """Whether ``owner``'s process has ended; while true, its lock is held here so
        no other process takes over the same jobs at the same moment."""
        if owner == self.owner:
            yield False
            return
        path = self.owners_dir / f"{owner}.lock"
        try:
            handle = os.open(path, os.O_RDWR)
        except FileNotFoundError:  # released cleanly, or never made
            yield True
            return
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
            path.unlink(missing_ok=True)
        finally:
            os.close(handle)

    def orphans(self) -> list[StoredJob]:
        """Unfinished jobs whose owner is gone, now owned by this process (each is handed
        to exactly one process, however many look at once)."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE state IN (?, ?) ORDER BY seq", [QUEUED, RUNNING])
        taken: list[StoredJob] = []
        for stored in [_job(row) for row in rows]:
            with self._dead(stored.owner) as dead:
                if not dead:
                    continue
                with self._db:
                    claimed = self._db.execute(
                        "UPDATE jobs SET owner = ? WHERE job_id = ? AND owner = ? AND state IN (?, ?)",
                        [self.owner, stored.job.job_id, stored.owner, QUEUED, RUNNING],
                    ).rowcount
                if claimed:
                    taken.append(StoredJob(stored.job, stored.params, self.owner))
        return taken

    # -- writes ------------------------------------------------------------------
    def add(self, job: Job, params: dict[str, Any]) -> None:
        with self._db:
            self._db.execute(
                f"INSERT INTO jobs ({_COLUMNS}) VALUES ({', '.join('?' * 16)})",
                [*self._values(job), json.dumps(params, ensure_ascii=False), self.owner],
            )

    def save(self, job: Job) -> None:
        """Write a job's state, progress and report (not its params or owner)."""
        values = self._values(job)
        with self._db:
            self._db.execute(
                "UPDATE jobs SET kind = ?, description = ?, state = ?, stage = ?, done = ?, total = ?,"
                " created_at = ?, started_at = ?, finished_at = ?, files = ?, summary = ?, message = ?, error = ?"
                " WHERE job_id = ?",
                [*values[1:], job.job_id],
            )

    @staticmethod
    def _values(job: Job) -> list[Any]:
        return [
            job.job_id,
            job.kind,
            job.description,
            job.state,
            job.stage,
            job.done,
            job.total,
            job.created_at,
            job.started_at,
            job.finished_at,
            json.dumps([asdict(file) for file in job.files], ensure_ascii=False),
            json.dumps(job.summary, ensure_ascii=False),
            job.message,
            job.error,
        ]

    def prune(self, keep: int) -> None:
        """Forget the oldest finished jobs beyond ``keep``; unfinished ones stay."""
        with self._db:
            self._db.execute(
                "DELETE FROM jobs WHERE state IN (?, ?) AND seq NOT IN"
                " (SELECT seq FROM jobs WHERE state IN (?, ?) ORDER BY seq DESC LIMIT ?)",
                [*FINISHED, *FINISHED, keep],
            )

    # -- reads -------------------------------------------------------------------
    def get(self, job_id: str) -> Job | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE job_id = ?", [job_id]).fetchone()
        return _job(row).job if row else None

    def unfinished_params(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT params FROM jobs WHERE state IN (?, ?)", [QUEUED, RUNNING])
        return [json.loads(row[0]) for row in rows]

    def recent(self, limit: int) -> list[Job]:
        """Most recent first."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM jobs ORDER BY seq DESC LIMIT ?", [limit])
        return [_job(row).job for row in rows]

    def close(self) -> None:
        self._connections.close()
