"""GET /health: is the service up, and what does it hold."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import KB
from api.schemas import Health

router = APIRouter(tags=["状态"])


@router.get("/health", summary="服务状态", response_model=Health)
def health(kb: KB) -> Health:
    """服务状态与知识库规模。"""
    return Health(
        status="ok",
        documents=kb.document_count(),
        chunks=kb.chunk_count(),
        embedder=kb.embedder_key,
    )
