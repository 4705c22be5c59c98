"""``<data>/ingest.lock``: one writer at a time per data folder, across processes.

A ``tanlu ingest`` in a terminal, the upload jobs of one or two ``tanlu serve`` and a
``tanlu backup`` may all want to write the same catalogue, vectors and BM25 files. Each
write holds an exclusive ``flock`` on this file for its whole run; the kernel drops the
lock when the process ends, however it ends, so a killed writer never leaves it stuck.

Within a process a thread lock comes first: flock locks belong to an open file, so two
threads of one process would not exclude each other through it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# How often a waiting writer tells its caller it is still waiting.
WAIT_NOTICE_SECONDS = 1.0


class IngestLock:
    """``for_reading``: the holder only keeps writers out while it reads (``tanlu backup``).
    It may then lock through a read-only descriptor when the file cannot be opened for
    writing (a data folder that became read-only, which is when a copy is most wanted):
    flock works on any open descriptor. Writers keep opening it for writing, so a
    read-only folder stops them at once, before they have done anything."""

    def __init__(self, data_dir: Path, *, for_reading: bool = False) -> None:
        self.path = data_dir / "ingest.lock"
        self.for_reading = for_reading
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._handle: int | None = None
        self._count_lock = threading.Lock()
        self._wanted_here = 0  # threads of this process holding or waiting for the lock

    @property
    def wanted_here(self) -> bool:
        """Whether a thread of this process holds the lock or waits for it."""
        return self._wanted_here > 0

    def _open(self) -> int:
        if self._handle is None:
            try:
                self._handle = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
            except OSError as error:
                if not self.for_reading or error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                    raise
                try:
                    self._handle = os.open(self.path, os.O_RDONLY)
                except FileNotFoundError:
                    # A read-only folder without the file (made by a restore, never
                    # written since): no writer can create it there, so none can run;
                    # the folder itself is locked instead.
                    self._handle = os.open(self.path.parent, os.O_RDONLY)
        return self._handle

    @contextmanager
    def held(self, waiting: Callable[[float], None] | None = None) -> Iterator[None]:
        """Hold the lock, waiting for another writer to finish; ``waiting`` is told
        the seconds waited so far, about once a second, while it waits."""
        with self._count_lock:
            self._wanted_here += 1
        try:
            with self._holding(waiting):
                yield
        finally:
            with self._count_lock:
                self._wanted_here -= 1

    @contextmanager
    def _holding(self, waiting: Callable[[float], None] | None) -> Iterator[None]:
        with self._thread_lock:
            if self._depth == 0:
                handle = self._open()
                started = time.monotonic()
                while True:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if waiting is not None:
                            waiting(time.monotonic() - started)
                        time.sleep(WAIT_NOTICE_SECONDS if waiting is not None else 0.1)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._handle is not None:
                    fcntl.flock(self._handle, fcntl.LOCK_UN)

    @contextmanager
    def attempt(self) -> Iterator[bool]:
        """Hold the lock if no one else does (True), else give up at once (False)."""
        if not self._thread_lock.acquire(blocking=False):
            yield False
            return
        try:
            if self._depth > 0:  # this thread is already writing
                yield True
                return
            handle = self._open()
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            self._depth = 1
            try:
                yield True
            finally:
                self._depth = 0
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def close(self) -> None:
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None
