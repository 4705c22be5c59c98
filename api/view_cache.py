"""The JSON of the catalogue views, kept until the catalogue changes.

Why: the pilot list, a pilot's page and /practices without a query depend on nothing
but the catalogue and their parameters, and they are the largest responses (the
practice list ~290 KB, a pilot page ~100 KB in the demo corpus): presenting and
serialising them again for every request was about a fifth of the server's CPU under
bench/load.py. The views are kept per practice catalogue (KnowledgeBase.practice_catalog):
a new one is built after every write, in any process, and again when this process
reloads its chunk table, so a kept view is never served after the data it was built
from changed. Bounded by size.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import cache
from typing import Any

from fastapi import Response
from pydantic import TypeAdapter

VIEW_CACHE_BYTES = 8 * 1024 * 1024  # the demo corpus's views take ~2 MB


@cache
def _adapter(model: Any) -> TypeAdapter:
    return TypeAdapter(model)


class ViewCache:
    """JSON bodies by (view, parameters) for the current catalogue; least recently used out first."""

    def __init__(self, max_bytes: int = VIEW_CACHE_BYTES) -> None:
        self._max_bytes = max_bytes
        self._source: weakref.ref | None = None
        self._bodies: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def response(self, source: object, key: Hashable, model: Any, build: Callable[[], Any]) -> Response:
        """The view ``key`` built from ``source`` as ``model`` JSON: kept, or built
        (outside the lock) and kept.

        ``source`` is taken before ``build`` runs: a write in between only makes the kept
        body newer than its source, and the next request asks under the new one."""
        with self._lock:
            body = self._bodies.get(key) if self._current(source) else None
            if body is not None:
                self._bodies.move_to_end(key)
        if body is None:
            body = _adapter(model).dump_json(build(), by_alias=True)
            self._keep(source, key, body)
        return Response(body, media_type="application/json")

    def _current(self, source: object) -> bool:
        return self._source is not None and self._source() is source

    def _keep(self, source: object, key: Hashable, body: bytes) -> None:
        if len(body) > self._max_bytes:
            return
        with self._lock:
            if not self._current(source):
                self._source, self._bodies, self._size = weakref.ref(source), OrderedDict(), 0
            previous = self._bodies.pop(key, None)
            self._size += len(body) - (len(previous) if previous is not None else 0)
            self._bodies[key] = body
            while self._size > self._max_bytes:
                _, dropped = self._bodies.popitem(last=False)
                self._size -= len(dropped)
