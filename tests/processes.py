"""Real ``tanlu`` processes for tests: a server started as a user starts it (the console
script of the venv, its own environment), followed through its log, stopped or killed
by its process id — never by name."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.live_server import HOST, free_port

TANLU = str(Path(sys.executable).with_name("tanlu"))


def tanlu_env(data: Path, **settings: str) -> dict[str, str]:
    """The environment of a tanlu process on ``data``: TANLU_* settings, nothing inherited
    that could point it elsewhere."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TANLU_")}
    env["TANLU_DATA_DIR"] = str(data)
    env.update({f"TANLU_{key.upper()}": value for key, value in settings.items()})
    return env


@dataclass
class Server:
    process: subprocess.Popen
    base_url: str
    log: Path

    def client(self, **headers: str) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=60, headers=headers)

    def kill(self) -> None:
        """SIGKILL to the server and its worker processes (its own process group, made
        at start): no shutdown code runs, as after a power cut or the OOM killer."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        """SIGTERM, as systemd stops it; SIGKILL if it does not end within 60 s."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.kill()


def start_server(data: Path, log: Path, *args: str, timeout: float = 180.0, **settings: str) -> Server:
    port = free_port()
    handle = open(log, "ab")  # noqa: SIM115 - the process writes it until stopped
    process = subprocess.Popen(
        [TANLU, "serve", "--host", HOST, "--port", str(port), *args],
        env=tanlu_env(data, **settings),
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # a group of its own: kill() ends its workers too
    )
    handle.close()
    server = Server(process, f"http://{HOST}:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tanlu serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{server.base_url}/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"tanlu serve did not answer within {timeout:.0f} s:\n{log.read_text(errors='replace')}")


@contextmanager
def serving_process(data: Path, log: Path, *args: str, **settings: str) -> Iterator[Server]:
    server = start_server(data, log, *args, **settings)
    try:
        yield server
    finally:
        server.stop()


def wait_for(condition, timeout: float, what: str, interval: float = 0.1):
    """Poll ``condition`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
