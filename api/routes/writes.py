"""Writes over HTTP: upload documents, delete one, rescan the folders. All need the write token.

Each answers 202 with a job id at once (``GET /jobs/{id}`` follows it): an ingest
may take minutes. What can be checked without parsing is checked before the 202 —
token, size, content type, metadata form fields — and refused with nothing stored.
Deletion is a job too, although it is quick: it must wait for a running ingest
(which holds the index lock), and queued in order it sees the uploads sent before it.
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from api import messages
from api.auth import AdminOf, WriteAccess, Writer, WriterOf
from api.deps import KB, AppSettings, Jobs
from api.errors import ApiError
from api.ingest_jobs import delete_work, rescan_work, upload_params, upload_work
from api.pilot_identity import fixed_fields, identity_problem, pilot_details
from api.schemas import AcceptedFileOut, ErrorBody, JobAccepted, RefusedFileOut, WriterOut
from api.uploads import FILES_FIELD, META_FIELDS, file_under_pilots, receive_upload, shown_name, sidecar_metadata
from index import KnowledgeBase
from ingest.domain import DOC_TYPES, FIELDS, PILOT_ID_RULE, PILOT_TYPES

router = APIRouter(tags=["写入"], dependencies=[WriteAccess])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "缺少或错误的令牌"},
    403: {"model": ErrorBody, "description": "写入接口未启用（未设置 TANLU_WRITE_TOKEN），或使用了读取令牌"},
}

_META_SCHEMA = {
    "title": {"type": "string", "description": "文档标题"},
    "pilot": {"type": "string", "description": "试点名称"},
    "pilot_id": {"type": "string", "description": f"试点编号（{PILOT_ID_RULE}）"},
    "pilot_type": {"type": "string", "enum": list(PILOT_TYPES), "description": "试点类型"},
    "region": {"type": "string", "description": "所在地区"},
    "doc_type": {"type": "string", "enum": list(DOC_TYPES), "description": "文档类型"},
    "period": {"type": "string", "description": "半年度，如 2025H1"},
    "date": {"type": "string", "format": "date", "description": "日期，如 2025-09-10"},
    "fields": {"type": "string", "description": f"领域，逗号分隔或重复填写；取自：{'、'.join(FIELDS)}"},
    "demo": {"type": "boolean", "description": "是否为演示数据"},
}
assert set(_META_SCHEMA) == set(META_FIELDS)

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FILES_FIELD],
                    "properties": {
                        FILES_FIELD: {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": (
                                "一个或多个文件（PDF、Word .docx、OFD、HTML、Markdown、纯文本；格式按内容判定）"
                            ),
                        },
                        **_META_SCHEMA,
                    },
                }
            }
        },
    }
}


def _accepted(job, kind: str, **extra) -> JobAccepted:
    return JobAccepted(job_id=job.job_id, kind=kind, state=job.state, status_url=f"/jobs/{job.job_id}", **extra)


@router.post(
    "/documents",
    summary="上传文档",
    status_code=202,
    response_model=JobAccepted,
    openapi_extra=UPLOAD_BODY,
    responses={
        **_ERRORS,
        413: {"model": ErrorBody, "description": "所有文件均超过大小上限（TANLU_MAX_FILE_BYTES），或文件过多"},
        415: {"model": ErrorBody, "description": "所有文件的内容均无法识别，或请求不是 multipart/form-data"},
        422: {"model": ErrorBody, "description": "元数据字段无效、缺少文件，或所有文件均为空/重名"},
    },
)
async def upload_documents(
    request: Request, response: Response, settings: AppSettings, kb: KB, jobs: Jobs, writer: WriterOf
) -> JobAccepted:
    """上传一个或多个文件，立即返回 202 与任务编号，在后台导入（GET /jobs/{id} 查看进度与逐文件结果）。

    格式按内容判定（与文件名无关），保存名由服务端生成；与已上传文件同名即替换（更新该文档）。
    可附带元数据表单字段（title、pilot、pilot_type…），写入同名的 `.meta.yaml` 旁注文件；
    多个文件共用这些字段。导入失败的文件不会保留，被替换的旧文件随即恢复。
    一批文件中过大、为空、内容无法识别或保存后重名的文件单独拒收（列在 refused 中，任务结果里也有），
    其余文件照常导入；全部被拒收时整个请求返回 413/415/422。

    填写了 pilot_id 的文件保存在该试点自己的目录（uploads/<pilot_id>/），两个试点的同名文件互不影响；
    未填写时，每个文件按导入时同样的规则读出其试点（front matter、表单、文档属性，或从标题、文件名推断），
    保存到该试点的目录；不属于任何试点的文件（如自治区的通知）保存在 uploads/ 本身。
    试点令牌只能上传本试点的文档：pilot_id 取自令牌（表单中填写其他试点返回 403），
    文件自身声明其他试点的不予导入；未填写的试点名称、类型、地区取自知识库中该试点的已有文档，
    填写的须与已有文档声明的相同，也不能是其他试点的名称（否则 403，文件中的则逐个拒收）。
    """
    uploads = settings.uploads_path()
    uploads.mkdir(parents=True, exist_ok=True)
    upload = await receive_upload(request, uploads, uuid.uuid4().hex, settings.max_file_bytes)
    try:
        meta = _owned_metadata(writer, sidecar_metadata(upload.fields), kb)
        pilot_id = (meta or {}).get("pilot_id")
        await run_in_threadpool(file_under_pilots, upload, uploads, pilot_id, meta, settings.max_file_bytes)
    except ApiError:
        upload.discard()
        raise
    names = "、".join(staged.name for staged in upload.accepted)
    job = jobs.submit(
        "upload",
        partial(upload_work, kb, uploads, upload, meta, owner=writer.pilot_id),
        description=f"上传 {names}",
        params={**upload_params(upload, meta), "owner": writer.pilot_id},
    )
    response.headers["Location"] = f"/jobs/{job.job_id}"
    files = [
        AcceptedFileOut(
            filename=staged.client_name,
            saved_as=staged.name,
            format=staged.extension,
            bytes=staged.size,
            replaces=staged.replaces,
        )
        for staged in upload.accepted
    ]
    refused = [
        RefusedFileOut(filename=shown_name(staged.client_name), status=refusal.status, detail=refusal.detail)
        for staged, refusal in upload.refused
    ]
    return _accepted(job, "upload", files=files, refused=refused)


@router.delete(
    "/documents/{doc_id:path}",
    summary="删除文档",
    status_code=202,
    response_model=JobAccepted,
    responses={**_ERRORS, 404: {"model": ErrorBody, "description": "文档不存在"}},
)
def delete_document(
    response: Response, settings: AppSettings, kb: KB, jobs: Jobs, writer: WriterOf, doc_id: str
) -> JobAccepted:
    """从知识库删除一篇文档（后台任务，通常不到一秒）。

    上传的文件连同旁注文件一并删除；语料目录中的源文件保留不动，重新扫描时跳过，文件内容变化后会重新导入。
    试点令牌只能删除本试点的文档（其他试点的返回 403）。
    """
    document = kb.document(doc_id)
    if document is None:
        raise ApiError(404, messages.DOCUMENT_NOT_FOUND.format(doc_id=doc_id), "doc_id")
    if not writer.may_write(document.meta["pilot_id"]):
        raise ApiError(403, messages.PILOT_ONLY.format(own=writer.pilot_id, other=document.meta["pilot_id"]), "doc_id")
    job = jobs.submit(
        "delete",
        partial(delete_work, kb, settings.uploads_path(), doc_id),
        description=f"删除 {doc_id}",
        params={"doc_id": doc_id},
    )
    response.headers["Location"] = f"/jobs/{job.job_id}"
    return _accepted(job, "delete", doc_id=doc_id)


@router.post("/ingest", summary="重新扫描", status_code=202, response_model=JobAccepted, responses=_ERRORS)
def rescan(response: Response, settings: AppSettings, kb: KB, jobs: Jobs, writer: AdminOf) -> JobAccepted:
    """重新扫描语料目录（TANLU_CORPUS_DIR）和上传目录：导入新增和变化的文件，移除已删除文件的文档。

    只限发改委的写入令牌（TANLU_WRITE_TOKEN）。"""
    job = jobs.submit("ingest", partial(rescan_work, kb, settings), description="重新扫描语料目录与上传目录")
    response.headers["Location"] = f"/jobs/{job.job_id}"
    return _accepted(job, "ingest")


@router.get("/writer", summary="令牌身份", response_model=WriterOut, responses=_ERRORS)
def who_writes(kb: KB, writer: WriterOf) -> WriterOut:
    """令牌的身份：发改委（可写入全部文档）或某个试点（只能写入本试点的文档），
    及该试点在知识库中的名称、类型、地区（上传页据此预填元数据表单），和其中试点令牌不能更改的字段。"""
    if writer.is_admin:
        return WriterOut(role="admin")
    pilots = kb.pilots()
    known = pilot_details(writer.pilot_id, pilots)
    fixed = list(fixed_fields(writer.pilot_id, pilots))
    return WriterOut(role="pilot", pilot_id=writer.pilot_id, fixed=fixed, **known)


def _owned_metadata(writer: Writer, meta: dict | None, kb: KnowledgeBase) -> dict | None:
    """A pilot token's metadata: its pilot id (another one in the form is refused, 403),
    and the pilot's name, type and region from the knowledge base where the form has none,
    so that a pilot can upload a report without front matter or form fields. A name, type
    or region the form gives must be the pilot's own (api/pilot_identity.py; else 403)."""
    if writer.is_admin:
        return meta
    meta = dict(meta or {})
    declared = meta.get("pilot_id")
    if declared and declared != writer.pilot_id:
        raise ApiError(403, messages.PILOT_ONLY.format(own=writer.pilot_id, other=declared), "pilot_id")
    meta["pilot_id"] = writer.pilot_id
    pilots = kb.pilots()
    problem = identity_problem(writer.pilot_id, meta, pilots)
    if problem is not None:
        raise ApiError(403, problem.detail, problem.field_name)
    for key, value in pilot_details(writer.pilot_id, pilots).items():
        if value and not meta.get(key):
            meta[key] = value
    return meta
