"""A client that trickles its request headers (or sends nothing) gets 408 and loses the
connection after ``read_timeout`` seconds, in a real `tanlu serve`; a client that pauses
less than that is served as usual."""

from __future__ import annotations

import json
import socket
import time

import pytest

from tests.processes import serving_process

LIMIT = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slow-headers")
    with serving_process(folder / "data", folder / "serve.log", read_timeout=str(LIMIT)) as running:
        yield running


def connect(server) -> socket.socket:
    host, port = server.base_url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def read_all(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


@pytest.mark.parametrize("sent", [b"", b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: "], ids=["nothing", "half"])
def test_headers_that_do_not_arrive_in_time_get_408_and_the_connection_closes(server, sent):
    with connect(server) as sock:
        sock.sendall(sent)
        started = time.monotonic()
        answer = read_all(sock)  # returns once the server closes the connection
        waited = time.monotonic() - started
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer[:200]
    assert "请求头接收超时" in json.loads(body)["detail"]
    assert LIMIT - 0.1 <= waited < LIMIT + 10


def test_a_pause_shorter_than_the_limit_is_served(server):
    with connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        time.sleep(LIMIT / 3)
        sock.sendall(b"Connection: close\r\n\r\n")
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
