"""MCP over streamable HTTP at ``/mcp``, served by the same FastAPI app as the API.

The SDK's ASGI handler is routed at ``/mcp`` itself (a mount would answer ``/mcp`` with
a redirect), behind the read token when one is set: an assistant reaches the same
documents as a browser, so it needs the same token. Stateless with JSON responses:
each request stands alone (no session to lose on a restart or behind a balancer), and
TanLu has nothing to push to a client between requests.

The SDK refuses requests whose Host header it does not know (DNS-rebinding guard):
local addresses always pass; a deployment reached by another name lists it in
``TANLU_MCP_ALLOWED_HOSTS`` (the host of ``TANLU_PUBLIC_URL`` is added by itself).
The app's lifespan must run ``server.session_manager.run()``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.security.utils import get_authorization_scheme_param
from mcp.server import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import read_refusal
from api.mcp_server import build_mcp_server
from api.settings import Settings

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


def mount_mcp(app: FastAPI, settings: Settings) -> MCPServer:
    """Route /mcp to a new MCP server over ``app.state.kb``; returns it for the lifespan."""
    server = build_mcp_server(lambda: app.state.kb, lambda: app.state.llm, links_base(settings))
    handler = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        json_response=True,
        transport_security=transport_security(settings),
    )
    app.router.routes.append(Route(MCP_PATH, endpoint=ReadTokenGate(handler, settings)))
    return server
