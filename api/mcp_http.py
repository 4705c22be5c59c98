"""MCP over streamable HTTP at ``/mcp``, served by the same FastAPI app as the API.

The SDK's ASGI handler is routed at ``/mcp`` itself (a mount would answer ``/mcp`` with
a redirect), behind the read token when one is set: an assistant reaches the same
documents as a browser, so it needs the same token. Stateless with JSON responses:
each request stands alone (no session to lose on a restart or behind a balancer), and
TanLu has nothing to push to a client between requests.

The SDK refuses requests whose Host header it does not know (DNS-rebinding guard):
local addresses always pass; a deployment reached by another name lists it in
``TANLU_MCP_ALLOWED_HOSTS`` (the host of ``TANLU_PUBLIC_URL`` is added by itself).
The SDK (~23 MB) is imported and its session manager started on the first request
that passes the read token, not at start-up: most servers never see an MCP client, and
the demo server is to stay within 400 MB. The app's lifespan stops it (``LazyMCP.stop``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.security.utils import get_authorization_scheme_param
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import read_refusal
from api.settings import Settings

if TYPE_CHECKING:
    from mcp.server import MCPServer
    from mcp.server.transport_security import TransportSecuritySettings

MCP_PATH = "/mcp"
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def links_base(settings: Settings) -> str:
    """The address links in MCP results start with."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    return f"http://{host}:{settings.port}"


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """Local hosts (any port, or none), the public URL's host and the configured extra hosts."""
    from mcp.server.transport_security import TransportSecuritySettings

    hosts = [*settings.mcp_hosts()]
    if settings.public_url:
        hosts.append(urlsplit(settings.public_url).netloc)
    allowed_hosts = [*_LOCAL_HOSTS, *(f"{host}:*" for host in _LOCAL_HOSTS), *hosts]
    allowed_origins = [f"{scheme}://{host}" for scheme in ("http", "https") for host in allowed_hosts]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=allowed_hosts, allowed_origins=allowed_origins
    )


class ReadTokenGate:
    """Lets a request through to MCP only with the read (or write) token, once one is set."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scheme, token = get_authorization_scheme_param(Headers(scope=scope).get("authorization"))
            given = token if scheme.lower() == "bearer" and token else None
            refusal = read_refusal(self.settings, given)
            if refusal is not None:
                body = {"detail": refusal.message, "parameter": refusal.parameter}
                response = JSONResponse(body, status_code=refusal.http_status, headers=refusal.headers)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class LazyMCP:
    """The SDK's ASGI handler, built with its server on the first request it gets.

    The session manager's ``run()`` must stay entered while requests are served; it is
    entered by a task of its own, which ``stop()`` ends at shutdown."""

    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self._handler: ASGIApp | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._lock = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self._handler or await self._start()
        await handler(scope, receive, send)

    async def _start(self) -> ASGIApp:
        async with self._lock:
            if self._handler is None:
                server = self._build()
                handler = server.streamable_http_app(
                    streamable_http_path=MCP_PATH,
                    stateless_http=True,
                    json_response=True,
                    transport_security=transport_security(self.settings),
                )
                started = asyncio.Event()
                self._task = asyncio.create_task(self._run(server, started))
                waiting = asyncio.create_task(started.wait())
                await asyncio.wait((self._task, waiting), return_when=asyncio.FIRST_COMPLETED)
                if self._task.done():
                    waiting.cancel()
                    self._task.result()  # raises why the session manager did not start
                self._handler = handler
            return self._handler

    def _build(self) -> MCPServer:
        from api.mcp_server import build_mcp_server

        app = self.app
        return build_mcp_server(lambda: app.state.kb, lambda: app.state.llm, links_base(self.settings))

    async def _run(self, server: MCPServer, started: asyncio.Event) -> None:
        async with server.session_manager.run():
            started.set()
            await self._stopping.wait()

    async def stop(self) -> None:
        """Ends the session manager, if a request started it; a next lifespan of the
        app (tests run several) builds a new one, as a session manager runs once."""
        if self._task is not None:
            self._stopping.set()
            await self._task
        self._handler = self._task = None
        self._stopping, self._lock = asyncio.Event(), asyncio.Lock()


def mount_mcp(app: FastAPI, settings: Settings) -> LazyMCP:
    """Route /mcp to an MCP server over ``app.state.kb``, built on first use; returns it
    for the lifespan to stop."""
    lazy = LazyMCP(app, settings)
    app.router.routes.append(Route(MCP_PATH, endpoint=ReadTokenGate(lazy, settings)))
    return lazy
