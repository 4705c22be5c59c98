"""POST /retrieval: Dify's external knowledge API (api/dify.py says what Dify expects).

The route class answers every failure in Dify's ``{error_code, error_msg}`` form, the
key first: a wrong key is refused before the body is even read, and a body Dify's
registration leaves out is not an error.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from api import messages
from api.deps import KB, AppSettings
from api.dify import (
    BAD_REQUEST,
    UNAVAILABLE,
    DifyError,
    DifyErrorBody,
    RetrievalRequest,
    RetrievalResponse,
    check_key,
    retrieve,
)
from api.errors import http_message, validation_message
from ingest.errors import InputError, ServiceError


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error_code": code, "error_msg": message})


class DifyRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def dify_handler(request: Request) -> Response:
            try:
                check_key(request, request.app.state.settings)
                return await handler(request)
            except DifyError as error:
                return _error(error.http_status, error.error_code, error.message)
            except RequestValidationError as error:
                _, reason = validation_message(error.errors()[0])
                return _error(400, BAD_REQUEST, messages.DIFY_BAD_REQUEST.format(reason=reason))
            except HTTPException as error:  # a body that is not even UTF-8 text
                reason = http_message(request, error)
                return _error(400, BAD_REQUEST, messages.DIFY_BAD_REQUEST.format(reason=reason))
            except InputError as error:  # a metadata condition or filter TanLu cannot map
                return _error(400, BAD_REQUEST, messages.DIFY_BAD_REQUEST.format(reason=error.message))
            except ServiceError as error:  # e.g. the Chroma server is down
                return _error(503, UNAVAILABLE, error.message)

        return dify_handler


router = APIRouter(tags=["Dify 外部知识库"], route_class=DifyRoute)
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": DifyErrorBody, "description": "请求无效（3001），如无法映射的元数据条件"},
    403: {"model": DifyErrorBody, "description": "Authorization 请求头格式错误（1001）或 API Key 无效（1002）"},
    404: {"model": DifyErrorBody, "description": "知识库不存在（2001）"},
}


@router.post("/retrieval", summary="Dify 外部知识库检索", response_model=RetrievalResponse, responses=_ERRORS)
def retrieval(
    kb: KB, settings: AppSettings, request: Request, body: Annotated[RetrievalRequest | None, Body()] = None
) -> RetrievalResponse:
    """Dify 外部知识库检索：按 knowledge_id 与 metadata_condition 在融合前过滤，返回带来源与原文链接的分块。

    需要 `Authorization: Bearer <TANLU_DIFY_API_KEYS 中的一个>`。
    不带请求体的 POST（Dify 保存外部知识库 API 时的探测）返回空记录。
    """
    if body is None:
        return RetrievalResponse()
    base_url = settings.public_url or str(request.base_url)
    return retrieve(kb, settings, body, base_url)
