"""POST /compile: the 经验汇编 as Word, PDF or Markdown; the selection it would hold."""

from __future__ import annotations

import base64
from dataclasses import replace
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from api.compile import compile_docx, compile_outline, compile_request, write_markdown
from api.compile.lessons import pilot_lessons
from api.compile.outline import MAX_COMPILE_PRACTICES, assess, field_rank, selected
from api.compile.rendering import RenderUnavailable, page_count, page_images
from api.deps import KB, AppSettings
from api.schemas import CompileBody, PreviewOut, SelectionItemOut, SelectionOut
from ingest.domain import FIELDS, PILOT_TYPES

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
    summary="生成经验汇编",
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


PREVIEW_PAGES = 60
PREVIEW_DPI = 45


@router.post("/compile/selection", summary="可汇编的经验做法", response_model=SelectionOut)
def compile_selection(kb: KB, body: CompileBody) -> SelectionOut:
    """所选试点类型、领域、时期下的全部做法（含例行管理事项），附领域、可复制性评分与理由，供勾选和排序。"""
    request = checked(body, "")
    practices = kb.all_practices()
    lessons = pilot_lessons(kb, {practice.pilot_id for practice in practices})
    unpicked = replace(request, practice_ids=(), exclude_ids=())
    items = [assess(p, lessons.get(p.pilot_id, ())) for p in practices]
    items = [item for item in items if selected(item.practice, item.fields, unpicked)]
    rank = field_rank(request)
    types = {name: index for index, name in enumerate(PILOT_TYPES)}
    items.sort(key=lambda i: (rank.get(i.field, len(rank)), types.get(i.practice.pilot_type, 9), -i.value.score))
    present = [name for name in rank if any(item.field == name for item in items)]
    return SelectionOut(
        fields=[name for name in present if name in FIELDS],
        limit=MAX_COMPILE_PRACTICES,
        items=[
            SelectionItemOut(
                practice_id=item.practice.practice_id,
                title=item.practice.title,
                pilot=item.practice.pilot,
                pilot_id=item.practice.pilot_id,
                pilot_type=item.practice.pilot_type,
                field=item.field,
                supported_fields=list(item.fields.supported[1:]),
                score=item.value.score,
                reasons=list(item.value.reasons),
                routine=item.value.routine,
                effects=len(item.effects),
                sources=len(item.practice.sources),
            )
            for item in items
        ],
    )


@router.post(
    "/compile/preview",
    summary="汇编页面预览",
    response_model=PreviewOut,
    responses={503: {"description": "页面预览需要 LibreOffice 和 pdftoppm（Word 仍可下载）"}},
)
def compile_preview(kb: KB, settings: AppSettings, body: CompileBody) -> PreviewOut:
    """汇编的页面图像（经 LibreOffice 排版、pdftoppm 转为图片），与下载的 Word、PDF 版式相同。"""
    outline = compile_outline(kb, checked(body, settings.compile_issuer))
    compiled = compile_docx(outline, with_pdf=True)
    if compiled.pdf is None:
        raise RenderUnavailable(compiled.render_error, parameter="format")
    images = page_images(compiled.pdf, dpi=PREVIEW_DPI, last=PREVIEW_PAGES)
    return PreviewOut(
        pages=page_count(compiled.pdf),
        images=["data:image/png;base64," + base64.b64encode(image).decode("ascii") for image in images],
        note=compiled.note,
    )
