"""Time limits a service open to many clients needs: on a slow body and on slow answers.

* **Slow clients.** A client that sends its body a trickle at a time (or stops) would
  hold a connection and a staging file forever. Each wait for the next piece of a body
  is limited to ``read_timeout`` seconds; past it the request ends with 408 and the
  connection is closed. Raised as FastAPI's HTTPException from inside ``receive`` so
  that a route reading the body (an upload) and FastAPI's own body parsing both let it
  through to the error handlers unchanged.
* **Slow answers.** /search and /ask run on worker threads, and a thread cannot be
  stopped; when the answer is not ready within its limit (an embedder busy with a
  long ingest, a saturated machine) the client gets 503 with Retry-After at once, and
  the late answer is dropped when it comes. Done here, around the app, so the routes
  stay as they are.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import messages

RETRY_AFTER_SECONDS = 5


class ReadTimeout:
    """ASGI middleware: 408 when the next piece of a request body takes too long."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def timed_receive() -> Message:
            try:
                return await asyncio.wait_for(receive(), self.seconds)
            except TimeoutError:
                detail = messages.BODY_TIMEOUT.format(seconds=f"{self.seconds:g}")
                raise HTTPException(408, detail=detail, headers={"Connection": "close"}) from None

        await self.app(scope, timed_receive, send)


class AnswerTimeLimits:
    """ASGI middleware: 503 with Retry-After when a limited path takes too long.

    The limit is a timer on the loop, not a task the request is awaited in: wrapping
    each /search in a task of its own and waiting on it cost a loop pass and ~0.1 ms a
    search. When the timer fires before the answer has started, the 503 goes out at once
    from a task of its own; the route runs on until its thread returns, and what it
    sends then is dropped."""

    def __init__(self, app: ASGIApp, limits: dict[str, float]) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limits.get(scope.get("path", "")) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        started = False
        gave_up = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if gave_up:
                return  # the answer came too late: the client already has its 503
            started = True
            await send(message)

        def give_up() -> None:
            nonlocal gave_up
            if started:  # already answering: let it finish
                return
            gave_up = True
            detail = messages.ANSWER_TIMEOUT.format(seconds=f"{limit:g}")
            asyncio.ensure_future(_send_json(send, 503, detail)).add_done_callback(_consume)

        timer = asyncio.get_running_loop().call_later(limit, give_up)
        try:
            await self.app(scope, receive, guarded_send)
        except Exception:
            if not gave_up:
                raise
            # Failed after its 503 went out: nothing left to tell the client.
        finally:
            timer.cancel()


def _consume(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved


async def _send_json(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail, "parameter": None}, ensure_ascii=False).encode("utf-8")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
