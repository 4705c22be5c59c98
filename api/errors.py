"""Errors as Chinese messages that name the parameter at fault, never a bare 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api import messages
from index.filters import FilterError

logger = logging.getLogger("tanlu.api")


class ApiError(Exception):
    def __init__(self, status: int, detail: str, parameter: str | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.parameter = parameter


def _validation_message(error: dict) -> tuple[str, str]:
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
    return name, messages.INVALID_PARAMETER.format(name=name, reason=error.get("msg", ""))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        name, message = _validation_message(exc.errors()[0])
        return JSONResponse(status_code=422, content={"detail": message, "parameter": name})

    @app.exception_handler(FilterError)
    async def _bad_filter(request: Request, exc: FilterError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc), "parameter": exc.parameter})

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(status_code=exc.status, content={"detail": exc.detail, "parameter": exc.parameter})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s", request.url.path)
        return JSONResponse(status_code=500, content={"detail": messages.INTERNAL_ERROR})
