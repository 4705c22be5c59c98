"""Background jobs: uploads, rescans and deletions run here, one at a time, in order.

An ingest can take minutes (embedding on two cores), so a write request only queues
a job and answers 202 with its id; ``GET /jobs/{id}`` shows its stage and progress
and, at the end, the per-file reports. One worker thread is enough: ingests are
serialised by the knowledge base's lock anyway, and running jobs in arrival order
means a deletion queued after an upload of the same document sees that upload.

With a ``JobStore`` (the server always has one: ``<data>/jobs.sqlite``) every job is
written to disk with its progress and report, so a restart forgets nothing: a finished
job stays readable, and one that was queued or running when its process stopped — or
was killed — is taken over by the next registry to start on the data folder and
resumed (a rescan or deletion simply runs again: both converge) or failed with its
reason (an upload whose received files are gone). A graceful stop leaves its jobs
queued for that. Without a store (unit tests) jobs live in memory and a stop fails them.

An exception in a job fails that job with a Chinese message and never stops the worker.
"""

from __future__ import annotations

import copy
import logging
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api import messages
from api.job_store import DONE, FAILED, QUEUED, RUNNING, Job, JobStore, StoredJob
from index import Progress
from ingest.documents import FileReport
from ingest.errors import TanluError, as_storage_error

logger = logging.getLogger("tanlu.jobs")

__all__ = ["DONE", "FAILED", "QUEUED", "RUNNING", "Job", "JobError", "JobOutcome", "JobRegistry", "Resume", "Work"]

# Progress is written to disk at most this often (and at every new stage).
SAVE_INTERVAL = 0.5


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


Work = Callable[[Progress], JobOutcome]
# Turns a stored job back into work after a restart, or raises JobError with the reason
# it cannot be resumed. Given the job's kind, its params and whether it had started.
Resume = Callable[[str, dict[str, Any], bool], Work]


def failure_reason(error: Exception) -> str:
    """What a client reads about a job that raised: a full disk or read-only data folder
    in one Chinese line, anything else as it was raised (GET /jobs hides server paths)."""
    storage = as_storage_error(error)
    if storage is not None:
        return storage.message
    return messages.JOB_FAILED.format(reason=f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class JobRegistry:
    def __init__(self, keep: int = 200, store: JobStore | None = None, resume: Resume | None = None) -> None:
        self.keep = keep
        self.store = store
        self._resume = resume
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._work: dict[str, Work] = {}
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._resumed: set[str] = set()

    # -- life cycle --------------------------------------------------------------
    def start(self) -> None:
        if self.store is not None:
            self.store.claim_owner()
            for stored in self.store.orphans():
                self._take_over(stored)
        self._thread = threading.Thread(target=self._run, name="tanlu-jobs", daemon=True)
        self._thread.start()

    def _take_over(self, stored: StoredJob) -> None:
        """A job left unfinished by a process that is gone: resume it or fail it."""
        job = stored.job
        was_running = job.state == RUNNING
        try:
            if self._resume is None:
                raise JobError(messages.JOB_NOT_RESUMABLE)
            work = self._resume(job.kind, stored.params, was_running)
        except JobError as error:
            logger.warning("job %s (%s) interrupted and not resumable: %s", job.job_id, job.kind, error.message)
            with self._lock:
                self._jobs[job.job_id] = job
                self._finish(job, FAILED, error=error.message)
            self._persist(job)
            return
        logger.info("resuming job %s (%s) left by a stopped process", job.job_id, job.kind)
        job.state, job.stage, job.done, job.total = QUEUED, messages.JOB_RESUMING, 0, 0
        with self._lock:
            self._jobs[job.job_id] = job
            self._work[job.job_id] = work
            self._resumed.add(job.job_id)
        self._persist(job)
        self._queue.put(job.job_id)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the running job to stop at its next progress step and wait for the worker
        up to ``timeout`` seconds (an ingest stopped half-way is completed by the next
        one). With a store, queued and interrupted jobs stay queued for the next start;
        without one they fail."""
        self._stopping.set()
        with self._lock:
            for job in self._jobs.values():
                if job.state == QUEUED:
                    if self.store is None:
                        self._finish(job, FAILED, error=messages.JOB_NOT_RUN)
                    else:
                        job.stage = messages.JOB_WAITING_RESTART
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning("job worker still busy after %.0f s; leaving it to end with the process", timeout)
        if self.store is not None:
            with self._lock:
                waiting = [copy.deepcopy(job) for job in self._jobs.values() if not job.finished]
            for job in waiting:
                self._persist(job)
            self.store.release_owner()

    # -- submitting and reading --------------------------------------------------
    def submit(self, kind: str, work: Work, description: str = "", params: dict[str, Any] | None = None) -> Job:
        """Queue ``work``; ``params`` are what a later process needs to resume it (JSON)."""
        job = Job(job_id=uuid.uuid4().hex, kind=kind, description=description, created_at=_now())
        with self._lock:
            if self._stopping.is_set():
                self._finish(job, FAILED, error=messages.JOB_NOT_RUN)
            else:
                self._work[job.job_id] = work
            self._jobs[job.job_id] = job
            self._prune()
        if self.store is not None:
            self.store.add(job, params or {})
        if not job.finished:
            self._queue.put(job.job_id)
        return copy.deepcopy(job)

    def get(self, job_id: str) -> Job | None:
        """This process's own jobs from memory (freshest progress); others' from disk."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                return copy.deepcopy(job)
        return self.store.get(job_id) if self.store is not None else None

    def recent(self, limit: int = 50) -> list[Job]:
        """Most recent first."""
        with self._lock:
            mine = {job_id: copy.deepcopy(job) for job_id, job in self._jobs.items()}
        if self.store is None:
            return list(reversed(mine.values()))[:limit]
        return [mine.get(job.job_id, job) for job in self.store.recent(limit)]

    def pending(self) -> int:
        with self._lock:
            return sum(1 for job in self._jobs.values() if not job.finished)

    # -- the worker ----------------------------------------------------------------
    def _run(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None or self._stopping.is_set():
                return
            with self._lock:
                job = self._jobs.get(job_id)
                work = self._work.pop(job_id, None)
                if job is None or work is None or job.state != QUEUED:
                    continue
                job.state, job.started_at = RUNNING, job.started_at or _now()
            self._persist(job)
            self._execute(job, work)

    def _execute(self, job: Job, work: Work) -> None:
        last_saved = {"at": 0.0}
        last_stage = {"stage": ""}

        def progress(stage: str, done: int, total: int) -> None:
            if self._stopping.is_set():
                raise JobCancelled()
            with self._lock:
                job.stage, job.done, job.total = stage, done, total
            now = time.monotonic()
            if stage != last_stage["stage"] or now - last_saved["at"] >= SAVE_INTERVAL or (total and done >= total):
                last_saved["at"], last_stage["stage"] = now, stage
                self._persist(job)

        try:
            outcome = work(progress)
        except JobCancelled as error:
            with self._lock:
                if self.store is None:
                    self._finish(job, FAILED, error=error.message)
                else:  # the next start on this data folder takes it up again
                    job.state, job.stage = QUEUED, messages.JOB_WAITING_RESTART
        except TanluError as error:  # a reason stated in Chinese (e.g. Chroma is down)
            with self._lock:
                self._finish(job, FAILED, error=error.message)
        except Exception as error:
            logger.exception("job %s (%s) failed", job.job_id, job.kind)
            with self._lock:
                self._finish(job, FAILED, error=failure_reason(error))
        else:
            with self._lock:
                job.files, job.summary, job.message = outcome.files, outcome.summary, outcome.message
                if job.job_id in self._resumed:
                    job.message = "；".join(part for part in (job.message, messages.JOB_RESUMED) if part)
                self._finish(job, FAILED if outcome.failed else DONE, error=outcome.message if outcome.failed else "")
        self._persist(job)

    def _persist(self, job: Job) -> None:
        if self.store is None:
            return
        with self._lock:
            snapshot = copy.deepcopy(job)
        try:
            self.store.save(snapshot)
            if snapshot.finished:
                self.store.prune(self.keep)
        except Exception:  # a full disk must not stop the worker; the job goes on in memory
            logger.exception("could not save job %s", job.job_id)

    def _finish(self, job: Job, state: str, error: str = "") -> None:
        job.state, job.error, job.finished_at = state, error, _now()
        self._work.pop(job.job_id, None)
        self._resumed.discard(job.job_id)
        self._prune()

    def _prune(self) -> None:
        """Forget the oldest finished jobs beyond ``keep`` (in memory; the store keeps
        its own ``keep`` newest); queued and running ones stay."""
        finished = [job_id for job_id, job in self._jobs.items() if job.finished]
        for job_id in finished[: max(0, len(finished) - self.keep)]:
            del self._jobs[job_id]
