"""Named places where a test may kill the process: deterministic kill -9 for crash tests.

The ingest promises that a kill at any moment leaves the previous index searchable and
that the next run completes the work (README, 数据安全). tests/index/test_crash_safety.py
checks that for real: it runs ``tanlu ingest`` in a subprocess with ``TANLU_CRASH_AT``
set, and ``crash_point`` sends SIGKILL to its own process when it reaches the named
place — no exception, no ``finally``, no flush, exactly what the OOM killer or a power
cut does. Timing a kill from outside cannot hit "between two vector batches" or "after
the new BM25 folder is written but before the pointer switch" reliably; these names can.

``TANLU_CRASH_AT`` is ``name`` (the first time the place is reached) or ``name:N`` (the
N-th time, counted per process). Unset — always, outside the tests — a call costs one
dictionary lookup and does nothing.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "TANLU_CRASH_AT"

# Every name the code calls, so the tests can tell a typo from a place never reached.
POINTS = (
    "ingest:files_read",  # documents parsed and planned, nothing embedded or written
    "ingest:embed_batch",  # after each batch of new vectors is computed and cached
    "ingest:vector_batch",  # before each batch of vectors is added to the vector store
    "ingest:catalog_committed",  # the new catalogue is committed, vectors not yet tidied
    "bm25:folder_written",  # the new BM25 folder is complete, the pointer still names the old one
    "bm25:pointer_switched",  # CURRENT names the new folder, old folders not yet removed
)

_reached: Counter[str] = Counter()


def crash_point(name: str) -> None:
    """Kill this process with SIGKILL if ``TANLU_CRASH_AT`` names this place (and count)."""
    target = os.environ.get(ENV)
    if not target:
        return
    wanted, _, nth = target.rpartition(":")
    if not nth.isdigit():
        wanted, nth = target, "1"
    if wanted != name:
        return
    _reached[name] += 1
    if _reached[name] == int(nth):
        os.kill(os.getpid(), signal.SIGKILL)
