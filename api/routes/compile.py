"""POST /compile: the 经验汇编 as a Word document or Markdown."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from api import messages
from api.compile import CompileRequest, build_outline, write_docx, write_markdown
from api.deps import KB
from api.errors import ApiError
from api.schemas import CompileBody
from ingest.domain import FIELDS, PILOT_TYPES, parse_period

router = APIRouter(tags=["经验汇编"])

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Characters XML 1.0 cannot hold (tab, LF and CR it can), and lone surrogates.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _check(values: list[str], allowed: tuple[str, ...], name: str) -> None:
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise ApiError(422, messages.NOT_ALLOWED.format(name=name, allowed="、".join(allowed)), name)


@router.post(
    "/compile",
    responses={
        200: {"content": {DOCX_TYPE: {}, "text/markdown": {}}, "description": "汇编文件"},
        422: {"description": "参数无效"},
    },
)
def compile_practices(kb: KB, body: CompileBody) -> Response:
    """按试点类型、领域、时期汇编经验做法：标题页、目录、按类型和领域分组、编号的来源清单。"""
    # A Word file is XML: python-docx refuses these characters (was a 500).
    if _NOT_IN_XML.search(body.title):
        raise ApiError(422, messages.CONTROL_CHARACTERS.format(name="title"), "title")
    _check(body.pilot_types, PILOT_TYPES, "pilot_types")
    _check(body.fields, FIELDS, "fields")
    for period in body.periods:
        if not (parse_period(period) or (period.isdigit() and len(period) == 4)):
            raise ApiError(422, messages.INVALID_PARAMETER.format(name="periods", reason=period), "periods")
    request = CompileRequest(
        pilot_types=tuple(body.pilot_types), fields=tuple(body.fields), periods=tuple(body.periods), title=body.title
    )
    outline = build_outline(kb.all_practices(), request)
    if not outline.practices:
        raise ApiError(404, messages.NOTHING_TO_COMPILE, "pilot_types")
    filename = quote(f"{body.title}.{'docx' if body.format == 'docx' else 'md'}")
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"}
    if body.format == "docx":
        return Response(write_docx(outline), media_type=DOCX_TYPE, headers=headers)
    return Response(write_markdown(outline), media_type="text/markdown; charset=utf-8", headers=headers)
