"""The vectors of the most recent distinct queries, so that a query asked again is not embedded again.

Why: the query embedding is four fifths of what a search costs, and a service hears
the same questions many times (a whole office asks about 余热利用 after the same
notice; the page's example questions; a search followed by /ask of the same words).
A query's vector depends on its text and the model alone, never on the documents, so
nothing the index does can make a kept one wrong: no ingest, upload or delete has to
invalidate it.

Bounded by count, least recently used first out; the vectors are kept as float32
arrays (1.5 KB each for multilingual-e5-small), so the default costs ~1.5 MB.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np


class RecentQueries:
    """``embed(text)`` through ``compute`` unless one of the last ``size`` texts; 0 keeps none."""

    def __init__(self, compute: Callable[[str], Sequence[float]], size: int) -> None:
        if size < 0:
            raise ValueError("size must be 0 or more")
        self._compute = compute
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0  # benches and tests read them
        self.misses = 0

    def embed(self, text: str) -> np.ndarray:
        """The text's vector as a float32 array; callers must not change it (a kept one is shared)."""
        if not self._size:
            return np.asarray(self._compute(text), dtype=np.float32)
        kept = self.kept(text)
        if kept is not None:
            return kept
        with self._lock:
            self.misses += 1
        vector = np.array(self._compute(text), dtype=np.float32)  # a copy: never a view of a whole batch
        vector.flags.writeable = False
        with self._lock:
            self._vectors[text] = vector
            self._vectors.move_to_end(text)
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return vector

    def kept(self, text: str) -> np.ndarray | None:
        """The kept vector of ``text`` (now the most recent), or None."""
        with self._lock:
            kept = self._vectors.get(text)
            if kept is not None:
                self._vectors.move_to_end(text)
                self.hits += 1
            return kept

    def __len__(self) -> int:
        return len(self._vectors)
