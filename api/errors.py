"""Errors as Chinese messages that name the parameter at fault, never a bare 500."""

from __future__ import annotations

import json
import logging
import re

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import messages
from api.hidden_paths import hide_paths, server_roots
from api.schemas import ErrorBody
from ingest.errors import TanluError, as_storage_error

logger = logging.getLogger("tanlu.api")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


class ApiError(TanluError):
    """An HTTP answer with its own status (404, 401 with a challenge, 413 …)."""

    def __init__(self, status: int, detail: str, parameter: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail, parameter=parameter)
        self.http_status = status
        self.headers = headers  # e.g. WWW-Authenticate on a 401

    @property
    def status(self) -> int:
        return self.http_status

    @property
    def detail(self) -> str:
        return self.message


def validation_message(error: dict) -> tuple[str, str]:
    location = [str(part) for part in error.get("loc", ()) if part not in ("query", "path", "body")]
    name = location[-1] if location else "请求"
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "missing":
        return name, messages.MISSING_PARAMETER.format(name=name)
    if kind == "int_parsing":
        return name, messages.INVALID_INTEGER.format(name=name)
    if kind in ("float_parsing", "decimal_parsing"):
        return name, messages.INVALID_NUMBER.format(name=name)
    if kind in ("greater_than_equal", "greater_than"):
        return name, messages.TOO_SMALL.format(name=name, limit=context.get("ge", context.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return name, messages.TOO_LARGE.format(name=name, limit=context.get("le", context.get("lt")))
    if kind in ("literal_error", "enum"):
        return name, messages.NOT_ALLOWED.format(name=name, allowed=context.get("expected", ""))
    if kind == "json_invalid":
        return "body", messages.BODY_NOT_JSON
    if kind in ("model_attributes_type", "dict_type") and not location:
        return "body", messages.BODY_NOT_OBJECT
    if kind in ("string_type", "string_unicode"):
        return name, messages.NOT_A_STRING.format(name=name)
    if kind in ("bool_parsing", "bool_type"):
        return name, messages.NOT_A_BOOLEAN.format(name=name)
    if kind in ("int_type", "int_from_float"):
        return name, messages.INVALID_INTEGER.format(name=name)
    if kind == "float_type":
        return name, messages.INVALID_NUMBER.format(name=name)
    if kind == "list_type":
        return name, messages.NOT_A_LIST.format(name=name)
    if kind == "string_too_long":
        return name, messages.TOO_LONG.format(name=name, limit=context.get("max_length"))
    if kind == "string_too_short":
        return name, messages.TOO_SHORT.format(name=name, limit=context.get("min_length"))
    if kind == "extra_forbidden":
        return name, messages.UNKNOWN_FIELD.format(name=name)
    return name, messages.INVALID_PARAMETER.format(name=name, reason=error.get("msg", ""))


def http_message(request: Request, exc: StarletteHTTPException) -> str:
    """A Chinese message for the HTTP errors Starlette and FastAPI raise themselves."""
    if exc.status_code == 404:
        return messages.PATH_NOT_FOUND.format(path=request.url.path)
    if exc.status_code == 405:
        return messages.METHOD_NOT_ALLOWED.format(path=request.url.path, method=request.method)
    if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
        return messages.BODY_UNREADABLE
    detail = str(exc.detail or "")
    return detail if CHINESE.search(detail) else messages.HTTP_ERROR.format(status=exc.status_code)


def document_error_bodies(app: FastAPI) -> None:
    """Make /openapi.json describe the error bodies the handlers below really send.

    FastAPI documents every 422 as its own ``HTTPValidationError`` (a list of errors),
    while TanLu answers ``{"detail": "<中文说明>", "parameter": "<name>"}`` for every 4xx;
    clients generated from the schema, and the schema fuzz test, must see the latter.
    """
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorBody"] = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = operation.get("responses", {})
                if any(_own_error_body(response) for status, response in responses.items() if status.startswith("4")):
                    # Dify's /retrieval: its own error body, and a bad body is its 400, never a 422.
                    responses.pop("422", None)
                    continue
                for status, response in responses.items():
                    if status.startswith("4"):
                        response["content"] = dict(error_content)
        for name in ("HTTPValidationError", "ValidationError"):
            if f'"#/components/schemas/{name}"' not in json.dumps(schema):
                components.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema


def _own_error_body(response: dict) -> bool:
    """Whether a documented 4xx names a body model of its own (not FastAPI's validation list)."""
    ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    return bool(ref) and not ref.endswith(("/HTTPValidationError", "/ErrorBody"))


def install_error_handlers(app: FastAPI) -> None:
    document_error_bodies(app)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        name, message = validation_message(exc.errors()[0])
        return JSONResponse(status_code=422, content={"detail": message, "parameter": name})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code < 400:  # e.g. 304 from the static files: no body
            return await http_exception_handler(request, exc)
        return JSONResponse(
            status_code=exc.status_code,
            content={"detail": http_message(request, exc), "parameter": None},
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(TanluError)
    async def _tanlu_error(request: Request, exc: TanluError) -> JSONResponse:
        if exc.http_status >= 500:  # e.g. the Chroma server is down: worth a line in the log
            logger.error("%s on %s: %s", type(exc).__name__, request.url.path, exc.message)
        detail = hide_paths(exc.message, server_roots(getattr(request.app.state, "settings", None)))
        return JSONResponse(
            status_code=exc.http_status,
            content={"detail": detail, "parameter": exc.parameter},
            headers=getattr(exc, "headers", None),
        )

    app.add_middleware(StorageErrorResponses)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s", request.url.path)
        return JSONResponse(status_code=500, content={"detail": messages.INTERNAL_ERROR})


class StorageErrorResponses:
    """ASGI middleware: a read-only data folder (503) or a full disk (507), whatever
    raised it (an OSError, SQLite, Chroma), answered with its one Chinese line.

    Sits between the route's exception handlers and the last-resort one: an exception
    reaching that one is answered but then re-raised to the server, which drops the
    connection under the client."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            storage = as_storage_error(error)
            if storage is None or started:
                raise
            logger.error("%s on %s: %s", type(error).__name__, scope.get("path", ""), error)
            body = {"detail": storage.message, "parameter": storage.parameter}
            await JSONResponse(status_code=storage.http_status, content=body)(scope, receive, send)
