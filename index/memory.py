"""Giving memory back to the system after an ingest, and fewer malloc arenas in a server.

Why: glibc keeps the memory a process frees for its own reuse. An ingest inside the
server (an upload) allocates hundreds of MB for a short time — parsed documents,
vectors as Python lists, a new BM25 index — and the resident size stayed there after
every upload: 437 → 811 MB after 100 uploads (issue 13). ``release_memory`` asks
glibc to return the free pages at the top of its heaps (``malloc_trim``).

glibc also gives each thread that allocates its own arena (up to 8 per core), and
the server's worker threads each keep theirs full of freed blocks. ``limit_arenas``
caps them at ``SERVER_ARENAS`` (what ``MALLOC_ARENA_MAX`` does, set from inside the
process before the threads start).

Both are no-ops where glibc is not the C library (musl, macOS).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
from functools import cache

logger = logging.getLogger("tanlu.index")

SERVER_ARENAS = 2
_M_ARENA_MAX = -8  # mallopt parameter number, from glibc's malloc.h


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):  # not glibc
        return None
    return libc


def release_memory() -> bool:
    """Collect garbage, then return free heap memory to the system; True if any was."""
    gc.collect()
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


def limit_arenas(arenas: int = SERVER_ARENAS) -> bool:
    """Cap glibc's malloc arenas for threads started from now on; True if it took.
    Worker processes started later (``--workers``) read the same cap from the environment."""
    os.environ.setdefault("MALLOC_ARENA_MAX", str(arenas))
    libc = _libc()
    if libc is None:
        return False
    done = bool(libc.mallopt(_M_ARENA_MAX, arenas))
    if not done:
        logger.warning("mallopt(M_ARENA_MAX, %d) failed", arenas)
    return done
