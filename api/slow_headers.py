"""A time limit on a request's headers, which the ASGI app never sees.

A client that opens a connection and then sends its request line and headers a byte
at a time (or nothing at all) holds the connection for as long as it likes: uvicorn
limits only the idle time between two requests, and the body limit
(api/time_limits.ReadTimeout) starts once the headers are in. A few hundred such
clients exhaust the server's sockets. This HTTP protocol gives the headers of each
request ``read_timeout`` seconds (the same setting as for a body) from the moment the
connection opens or the request's first byte arrives; past it the client gets 408 and
the connection is closed. `tanlu serve` runs uvicorn with it (``HTTP_PROTOCOL``).
"""

from __future__ import annotations

import asyncio
import json
from functools import cache

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api import messages
from api.settings import Settings

HTTP_PROTOCOL = "api.slow_headers:HeaderTimeLimit"


@cache
def header_seconds() -> float:
    """The limit, read once per process from the same settings the app uses."""
    return Settings().read_timeout


class HeaderTimeLimit(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for each request's headers."""

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._clear_deadline()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._await_headers()

    def on_headers_complete(self) -> None:
        self._clear_deadline()
        super().on_headers_complete()

    def _await_headers(self) -> None:
        self._clear_deadline()
        self._deadline = self.loop.call_later(header_seconds(), self._headers_too_slow)

    def _clear_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        detail = messages.HEADER_TIMEOUT.format(seconds=f"{header_seconds():g}")
        body = json.dumps({"detail": detail, "parameter": None}, ensure_ascii=False).encode("utf-8")
        head = (
            "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
            f"connection: close\r\ncontent-length: {len(body)}\r\n\r\n"
        )
        self.transport.write(head.encode("ascii") + body)
        self.transport.close()
