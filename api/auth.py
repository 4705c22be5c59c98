"""Bearer tokens for writes (always) and reads (when a read token is set).

Writes change what every official searches, so they are off until an operator sets
``TANLU_WRITE_TOKEN`` (403 says so), and then need that token (401 otherwise). Reads
are open by default, the usual set-up inside a government intranet; setting
``TANLU_READ_TOKEN`` closes them to anyone without the read or the write token.
``/health``, the page shell, its static files and the API docs stay open either way:
they hold no documents, and a monitor or a browser must reach them without a token.

Besides the DRC's write token there are pilot tokens (api/pilot_tokens.py): a pilot's
token writes its own pilot's documents only, and reads like the other tokens. Writes
are on when either kind exists.

Tokens are compared with ``secrets.compare_digest`` so response timing does not leak
how much of a guess was right.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api import messages
from api.errors import ApiError
from api.pilot_tokens import TokenStore
from api.settings import Settings

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description=(
        "Authorization: Bearer <令牌>。写入接口需要 TANLU_WRITE_TOKEN（发改委，全部文档）"
        "或试点令牌（tanlu tokens add --pilot，只限本试点的文档）；"
        "设置了 TANLU_READ_TOKEN 时读取接口也需要（任一令牌均可）。"
    ),
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def token_matches(given: str, expected: str) -> bool:
    """Whether ``given`` is the (non-empty) ``expected`` token, in constant time."""
    return bool(expected) and secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


@dataclass(frozen=True)
class Writer:
    """Who a write request comes from: the DRC (everything) or one pilot (its own documents)."""

    pilot_id: str = ""  # empty: the DRC's write token

    @property
    def is_admin(self) -> bool:
        return not self.pilot_id

    def may_write(self, pilot_id: str) -> bool:
        return self.is_admin or pilot_id == self.pilot_id


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _tokens(request: Request) -> TokenStore | None:
    return getattr(request.app.state, "tokens", None)


def read_refusal(settings: Settings, given: str | None, tokens: TokenStore | None = None) -> ApiError | None:
    """Why a read with bearer token ``given`` (None: no token) is refused, or None if it may go on."""
    read_token = settings.read_token.get_secret_value()
    if not read_token:
        return None
    if given is None:
        return ApiError(401, messages.TOKEN_MISSING, "Authorization", _CHALLENGE)
    # Both comparisons always run: which token matched must not show in the timing.
    matches = [token_matches(given, read_token), token_matches(given, settings.write_token.get_secret_value())]
    if not any(matches) and (tokens is None or tokens.pilot_of(given) is None):
        return ApiError(401, messages.TOKEN_WRONG, "Authorization", _CHALLENGE)
    return None


def require_read(request: Request, credentials: Credentials) -> None:
    """Reads need a token (read, write or a pilot's), but only once a read token is set."""
    given = credentials.credentials if credentials is not None else None
    refusal = read_refusal(_settings(request), given, _tokens(request))
    if refusal is not None:
        raise refusal


def require_write(request: Request, credentials: Credentials) -> Writer:
    """Writes need the DRC's write token or a pilot token; with neither made they are
    switched off (403)."""
    settings = _settings(request)
    write_token = settings.write_token.get_secret_value()
    tokens = _tokens(request)
    if not write_token and (tokens is None or not tokens.any_active()):
        raise ApiError(403, messages.WRITES_DISABLED, "TANLU_WRITE_TOKEN")
    if credentials is None:
        raise ApiError(401, messages.TOKEN_MISSING, "Authorization", _CHALLENGE)
    if token_matches(credentials.credentials, write_token):
        return Writer()
    pilot_id = tokens.pilot_of(credentials.credentials) if tokens is not None else None
    if pilot_id is not None:
        return Writer(pilot_id)
    if token_matches(credentials.credentials, settings.read_token.get_secret_value()):
        raise ApiError(403, messages.WRITE_TOKEN_NEEDED, "Authorization")
    raise ApiError(401, messages.TOKEN_WRONG, "Authorization", _CHALLENGE)


def require_admin(writer: Annotated[Writer, Depends(require_write)]) -> Writer:
    """Operations on the whole knowledge base (a rescan): the DRC's write token only."""
    if not writer.is_admin:
        raise ApiError(403, messages.ADMIN_TOKEN_NEEDED, "Authorization")
    return writer


ReadAccess = Depends(require_read)
WriteAccess = Depends(require_write)
WriterOf = Annotated[Writer, Depends(require_write)]
AdminOf = Annotated[Writer, Depends(require_admin)]
