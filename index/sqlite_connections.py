"""One SQLite connection per thread.

A Python sqlite3 connection must not be used by two threads at once, and FastAPI runs
sync routes in a thread pool while an ingest may be writing: with a connection per
thread and WAL journaling, readers see the last committed state and never the inside
of an ingest's transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class ThreadConnections:
    def __init__(self, path: Path, setup: str = "") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        if setup:
            self.get().executescript(setup)

    def get(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._path, check_same_thread=False, timeout=30)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            self._local.connection = connection
            with self._lock:
                self._all.append(connection)
        return connection

    def close(self) -> None:
        with self._lock:
            for connection in self._all:
                connection.close()
            self._all.clear()
        self._local = threading.local()
