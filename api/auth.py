"""Bearer tokens for writes (always) and reads (when a read token is set).

Writes change what every official searches, so they are off until an operator sets
``TANLU_WRITE_TOKEN`` (403 says so), and then need that token (401 otherwise). Reads
are open by default, the usual set-up inside a government intranet; setting
``TANLU_READ_TOKEN`` closes them to anyone without the read or the write token.
``/health``, the page shell, its static files and the API docs stay open either way:
they hold no documents, and a monitor or a browser must reach them without a token.

Tokens are compared with ``secrets.compare_digest`` so response timing does not leak
how much of a guess was right.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api import messages
from api.errors import ApiError
from api.settings import Settings

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description=(
        "Authorization: Bearer <令牌>。写入接口需要 TANLU_WRITE_TOKEN；"
        "设置了 TANLU_READ_TOKEN 时读取接口也需要（读取或写入令牌均可）。"
    ),
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def token_matches(given: str, expected: str) -> bool:
    """Whether ``given`` is the (non-empty) ``expected`` token, in constant time."""
    return bool(expected) and secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def read_refusal(settings: Settings, given: str | None) -> ApiError | None:
    """Why a read with bearer token ``given`` (None: no token) is refused, or None if it may go on."""
    read_token = settings.read_token.get_secret_value()
    if not read_token:
        return None
    if given is None:
        return ApiError(401, messages.TOKEN_MISSING, "Authorization", _CHALLENGE)
    # Both comparisons always run: which token matched must not show in the timing.
    matches = [token_matches(given, read_token), token_matches(given, settings.write_token.get_secret_value())]
    if not any(matches):
        return ApiError(401, messages.TOKEN_WRONG, "Authorization", _CHALLENGE)
    return None


def require_read(request: Request, credentials: Credentials) -> None:
    """Reads need the read or the write token, but only once a read token is set."""
    refusal = read_refusal(_settings(request), credentials.credentials if credentials is not None else None)
    if refusal is not None:
        raise refusal


def require_write(request: Request, credentials: Credentials) -> None:
    """Writes need the write token; with none set they are switched off (403)."""
    settings = _settings(request)
    write_token = settings.write_token.get_secret_value()
    if not write_token:
        raise ApiError(403, messages.WRITES_DISABLED, "TANLU_WRITE_TOKEN")
    if credentials is None:
        raise ApiError(401, messages.TOKEN_MISSING, "Authorization", _CHALLENGE)
    if token_matches(credentials.credentials, write_token):
        return
    if token_matches(credentials.credentials, settings.read_token.get_secret_value()):
        raise ApiError(403, messages.WRITE_TOKEN_NEEDED, "Authorization")
    raise ApiError(401, messages.TOKEN_WRONG, "Authorization", _CHALLENGE)


ReadAccess = Depends(require_read)
WriteAccess = Depends(require_write)
