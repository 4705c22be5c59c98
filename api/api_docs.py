"""ReDoc at /redoc from this server alone (Swagger UI at /docs comes from fastapi-offline).

fastapi-offline ships ReDoc's standalone bundle, but that bundle shows Redocly's logo
from their CDN: the one request that would leave an intranet. The bundle is served here
with that address pointed at the package's own local image instead.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse, Response

_ASSETS = Path(fastapi_offline.__file__).parent / "static"
STATIC_URL = "/static-offline-docs"  # where fastapi-offline mounts its assets
_CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
_LOCAL_LOGO = f"{STATIC_URL}/favicon.png"


@cache
def _redoc_bundle() -> str:
    return (_ASSETS / "redoc.standalone.js").read_text(encoding="utf-8").replace(_CDN_LOGO, _LOCAL_LOGO)


def install_redoc(app: FastAPI) -> None:
    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - ReDoc",
            redoc_js_url="/redoc.standalone.js",
            with_google_fonts=False,
            redoc_favicon_url=_LOCAL_LOGO,
        )

    @app.get("/redoc.standalone.js", include_in_schema=False)
    async def redoc_bundle() -> Response:
        return Response(_redoc_bundle(), media_type="text/javascript; charset=utf-8")
