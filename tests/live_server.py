"""A real uvicorn server on 127.0.0.1 in a thread: the one helper every HTTP test uses."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def serving(app: FastAPI, *, log_level: str = "warning", timeout: float = 30.0) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL once it accepts requests.

    On exit the server is asked to stop and must do so (with its lifespan, hence the
    job worker) within ``timeout`` seconds: a server that hangs on shutdown fails the test.
    """
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=free_port(), log_level=log_level))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://{HOST}:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        assert not thread.is_alive(), "the server (and its job worker) did not stop"
