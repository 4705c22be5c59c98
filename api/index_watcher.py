"""The server's eye on its data folder: what another process writes becomes searchable.

A ``tanlu ingest`` in a terminal, a second ``tanlu serve`` (or another ``--workers``
process) taking an upload: each commits to the shared catalogue, and this thread notices
within ``REFRESH_INTERVAL`` (a single SQLite read when nothing changed) and has the
knowledge base load the new chunk table, BM25 index and Chroma view
(``KnowledgeBase.refresh``). Searches already running finish on the state they began with.
"""

from __future__ import annotations

import logging
import threading

from index import KnowledgeBase

logger = logging.getLogger("tanlu.index")

REFRESH_INTERVAL = 0.25


class IndexWatcher:
    def __init__(self, kb: KnowledgeBase, interval: float = REFRESH_INTERVAL) -> None:
        self.kb = kb
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tanlu-index-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if self.kb.refresh():
                    logger.info("index reloaded: another process wrote to the data folder")
            except Exception:  # a bad moment (a Chroma server restarting) must not end the watching
                logger.exception("could not reload the index; trying again")
