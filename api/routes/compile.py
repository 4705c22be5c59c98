"""POST /compile: the 经验汇编 as Word, PDF or Markdown; the selection it would hold."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from api.compile import compile_docx, compile_outline, compile_request, write_markdown
from api.compile.rendering import RenderUnavailable
from api.deps import KB, AppSettings
from api.schemas import CompileBody

router = APIRouter(tags=["经验汇编"])

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA = {"docx": DOCX_TYPE, "pdf": "application/pdf", "markdown": "text/markdown; charset=utf-8"}
SUFFIX = {"docx": "docx", "pdf": "pdf", "markdown": "md"}


def checked(body: CompileBody, default_issuer: str):
    return compile_request(
        pilot_types=body.pilot_types,
        fields=body.fields,
        periods=body.periods,
        title=body.title,
        issuer=default_issuer if body.issuer is None else body.issuer,
        date=body.date,
        include_routine=body.include_routine,
        practice_ids=body.practice_ids,
        exclude_ids=body.exclude_ids,
        field_order=body.field_order,
    )


@router.post(
    "/compile",
    responses={
        200: {"content": {DOCX_TYPE: {}, "application/pdf": {}, "text/markdown": {}}, "description": "汇编文件"},
        422: {"description": "参数无效，或所选条件下没有经验做法、超过上限"},
        503: {"description": "PDF 需要 LibreOffice，本机未安装或转换失败（Word 仍可下载）"},
    },
)
def compile_practices(kb: KB, settings: AppSettings, body: CompileBody) -> Response:
    """按试点类型、领域、时期汇编经验做法（公文版式）：封面、前言、带页码的目录、按领域和试点类型分组、编号的来源清单。"""
    request = checked(body, settings.compile_issuer)
    outline = compile_outline(kb, request)
    filename = quote(f"{body.title}.{SUFFIX[body.format]}")
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"}
    if body.format == "markdown":
        return Response(write_markdown(outline), media_type=MEDIA["markdown"], headers=headers)
    compiled = compile_docx(outline, with_pdf=body.format == "pdf")
    if body.format == "pdf":
        if compiled.pdf is None:
            raise RenderUnavailable(compiled.render_error, parameter="format")
        return Response(compiled.pdf, media_type=MEDIA["pdf"], headers=headers)
    if compiled.note:
        headers["X-Tanlu-Note"] = quote(compiled.note)
    return Response(compiled.docx, media_type=DOCX_TYPE, headers=headers)
