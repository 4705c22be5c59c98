"""POST /compile: the 经验汇编 as a Word document or Markdown."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from api import messages
from api.compile import build_outline, compile_request, write_docx, write_markdown
from api.deps import KB
from api.errors import ApiError
from api.schemas import CompileBody

router = APIRouter(tags=["经验汇编"])

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.post(
    "/compile",
    responses={
        200: {"content": {DOCX_TYPE: {}, "text/markdown": {}}, "description": "汇编文件"},
        422: {"description": "参数无效"},
    },
)
def compile_practices(kb: KB, body: CompileBody) -> Response:
    """按试点类型、领域、时期汇编经验做法：标题页、目录、按类型和领域分组、编号的来源清单。"""
    request = compile_request(pilot_types=body.pilot_types, fields=body.fields, periods=body.periods, title=body.title)
    outline = build_outline(kb.all_practices(), request)
    if not outline.practices:
        raise ApiError(404, messages.NOTHING_TO_COMPILE, "pilot_types")
    filename = quote(f"{body.title}.{'docx' if body.format == 'docx' else 'md'}")
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"}
    if body.format == "docx":
        return Response(write_docx(outline), media_type=DOCX_TYPE, headers=headers)
    return Response(write_markdown(outline), media_type="text/markdown; charset=utf-8", headers=headers)
