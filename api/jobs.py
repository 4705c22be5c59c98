"""Background jobs: uploads, rescans and deletions run here, one at a time, in order.

An ingest can take minutes (embedding on two cores), so a write request only queues
a job and answers 202 with its id; ``GET /jobs/{id}`` shows its stage and progress
and, at the end, the per-file reports. One worker thread is enough: ingests are
serialised by the knowledge base's lock anyway, and running jobs in arrival order
means a deletion queued after an upload of the same document sees that upload.

The registry is in-process and keeps the last ``keep`` finished jobs; a restart
forgets them (the index itself survives, and a rescan repairs anything a stopped job
left half-done). An exception in a job fails that job with a Chinese message and
never stops the worker.
"""

from __future__ import annotations

import copy
import logging
import queue
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from api import messages
from index import Progress
from ingest.documents import FileReport
from ingest.errors import TanluError, as_storage_error

logger = logging.getLogger("tanlu.jobs")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class JobError(TanluError):
    """A job failed for a reason the user should read (the message is Chinese)."""


class JobCancelled(JobError):
    """The service is stopping; raised from the progress callback to end a job early."""

    def __init__(self) -> None:
        super().__init__(messages.JOB_INTERRUPTED)


@dataclass
class JobOutcome:
    """What a job's work returns: per-file results, summary counts, a note."""

    files: list[FileReport] = field(default_factory=list)
    summary: dict[str, float | int] = field(default_factory=dict)
    message: str = ""
    failed: bool = False  # the work ran but achieved nothing (e.g. every upload refused)


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
        return self.state in (DONE, FAILED)


Work = Callable[[Progress], JobOutcome]


def failure_reason(error: Exception) -> str:
    """What a client reads about a job that raised: a full disk or read-only data folder
    in one Chinese line, anything else by its kind only (the details, which may name
    server paths, are in the log)."""
    storage = as_storage_error(error)
    if storage is not None:
        return storage.message
    return messages.JOB_FAILED.format(reason=f"{type(error).__name__}（详情见服务日志）")


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class JobRegistry:
    def __init__(self, keep: int = 200) -> None:
        self.keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._work: dict[str, Work] = {}
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- life cycle --------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="tanlu-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Fail queued jobs, ask the running one to stop at its next progress step, and
        wait for the worker up to ``timeout`` seconds (an ingest stopped half-way is
        completed by the next one)."""
        self._stopping.set()
        with self._lock:
            for job in self._jobs.values():
                if job.state == QUEUED:
                    self._finish(job, FAILED, error=messages.JOB_NOT_RUN)
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning("job worker still busy after %.0f s; leaving it to end with the process", timeout)

    # -- submitting and reading --------------------------------------------------
    def submit(self, kind: str, work: Work, description: str = "") -> Job:
        job = Job(job_id=uuid.uuid4().hex, kind=kind, description=description, created_at=_now())
        with self._lock:
            if self._stopping.is_set():
                self._finish(job, FAILED, error=messages.JOB_NOT_RUN)
            else:
                self._work[job.job_id] = work
            self._jobs[job.job_id] = job
            self._prune()
        if not job.finished:
            self._queue.put(job.job_id)
        return copy.deepcopy(job)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return copy.deepcopy(job) if job else None

    def recent(self, limit: int = 50) -> list[Job]:
        """Most recent first."""
        with self._lock:
            return [copy.deepcopy(job) for job in list(reversed(self._jobs.values()))[:limit]]

    def pending(self) -> int:
        with self._lock:
            return sum(1 for job in self._jobs.values() if not job.finished)

    # -- the worker ----------------------------------------------------------------
    def _run(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None:
                return
            with self._lock:
                job = self._jobs.get(job_id)
                work = self._work.pop(job_id, None)
                if job is None or work is None or job.state != QUEUED:
                    continue
                job.state, job.started_at = RUNNING, _now()
            self._execute(job, work)

    def _execute(self, job: Job, work: Work) -> None:
        def progress(stage: str, done: int, total: int) -> None:
            if self._stopping.is_set():
                raise JobCancelled()
            with self._lock:
                job.stage, job.done, job.total = stage, done, total

        try:
            outcome = work(progress)
        except TanluError as error:  # cancelled, or a reason stated in Chinese (e.g. Chroma is down)
            with self._lock:
                self._finish(job, FAILED, error=error.message)
        except Exception as error:
            logger.exception("job %s (%s) failed", job.job_id, job.kind)
            with self._lock:
                self._finish(job, FAILED, error=failure_reason(error))
        else:
            with self._lock:
                job.files, job.summary, job.message = outcome.files, outcome.summary, outcome.message
                self._finish(job, FAILED if outcome.failed else DONE, error=outcome.message if outcome.failed else "")

    def _finish(self, job: Job, state: str, error: str = "") -> None:
        job.state, job.error, job.finished_at = state, error, _now()
        self._work.pop(job.job_id, None)
        self._prune()

    def _prune(self) -> None:
        """Forget the oldest finished jobs beyond ``keep``; queued and running ones stay."""
        finished = [job_id for job_id, job in self._jobs.items() if job.finished]
        for job_id in finished[: max(0, len(finished) - self.keep)]:
            del self._jobs[job_id]
