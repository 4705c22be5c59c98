"""GET /documents and /documents/{id}: what the knowledge base holds, in full."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from api import messages
from api.deps import KB, AppSettings, Filters
from api.errors import ApiError
from api.presenters import section_anchor
from api.schemas import DocumentDetail, DocumentInfo, SectionOut
from api.uploads import is_uploaded

router = APIRouter(tags=["文档"])


@router.get("/documents", summary="文档列表", response_model=list[DocumentInfo])
def list_documents(kb: KB, filters: Filters) -> list[DocumentInfo]:
    """文档列表，可按试点类型、地区、文档类型、领域、年份过滤。"""
    return [DocumentInfo.from_meta(doc.doc_id, doc.meta) for doc in kb.documents(filters)]


@router.get(
    "/documents/{doc_id:path}",
    summary="文档全文",
    response_model=DocumentDetail,
    responses={404: {"description": "文档不存在"}},
)
def get_document(kb: KB, settings: AppSettings, doc_id: str) -> DocumentDetail:
    """文档全文，按章节给出（含章节路径与锚点）。"""
    doc = kb.document(doc_id)
    if doc is None:
        raise ApiError(404, messages.DOCUMENT_NOT_FOUND.format(doc_id=doc_id), "doc_id")
    info = DocumentInfo.from_meta(doc.doc_id, doc.meta)
    return DocumentDetail(
        **info.model_dump(),
        source=Path(doc.source).name,
        # The page tells where to declare an inferred field: the form, or a sidecar file.
        uploaded=is_uploaded(settings.uploads_path(), doc.source),
        char_count=doc.char_count,
        chunk_count=len(kb.chunks(doc.doc_id)),
        ingested_at=doc.ingested_at,
        sections=[
            SectionOut(
                anchor=section_anchor(section["heading_path"]),
                heading_path=section["heading_path"],
                text=section["text"],
                page=section.get("page") or None,
            )
            for section in doc.sections
        ],
    )
