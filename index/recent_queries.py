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
from collections.abc import Callable

import numpy as np


class RecentQueries:
    """``embed(text)`` through ``compute`` unless one of the last ``size`` texts; 0 keeps none."""

    def __init__(self, compute: Callable[[str], list[float]], size: int) -> None:
        if size < 0:
            raise ValueError("size must be 0 or more")
        self._compute = compute
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0  # benches and tests read them
        self.misses = 0

    def embed(self, text: str) -> list[float]:
        if not self._size:
            return self._compute(text)
        with self._lock:
            kept = self._vectors.get(text)
            if kept is not None:
                self._vectors.move_to_end(text)
                self.hits += 1
                return kept.tolist()
            self.misses += 1
        vector = self._compute(text)
        with self._lock:
            self._vectors[text] = np.asarray(vector, dtype=np.float32)
            self._vectors.move_to_end(text)
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return vector

    def __len__(self) -> int:
        return len(self._vectors)
