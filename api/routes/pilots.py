"""GET /pilots and /pilots/{id}: the pilots and their documents."""

from __future__ import annotations

from fastapi import APIRouter

from api import messages
from api.deps import KB
from api.errors import ApiError
from api.schemas import DocumentInfo, PilotDetail, PilotInfo
from index import SearchFilters

router = APIRouter(tags=["试点"])


@router.get("/pilots", response_model=list[PilotInfo])
def list_pilots(kb: KB) -> list[PilotInfo]:
    """全部试点：类型、地区、文档数量。"""
    return [PilotInfo(**pilot) for pilot in kb.pilots()]


@router.get("/pilots/{pilot_id}", response_model=PilotDetail, responses={404: {"description": "试点不存在"}})
def get_pilot(kb: KB, pilot_id: str) -> PilotDetail:
    """一个试点及其全部文档（按时间排列）。"""
    pilot = next((item for item in kb.pilots() if item["pilot_id"] == pilot_id), None)
    if pilot is None:
        raise ApiError(404, messages.PILOT_NOT_FOUND.format(pilot_id=pilot_id), "pilot_id")
    documents = kb.documents(SearchFilters(pilot_id=pilot_id))
    documents.sort(key=lambda doc: (doc.meta.get("date") or doc.meta.get("period") or "", doc.doc_id))
    return PilotDetail(**pilot, documents=[DocumentInfo.from_meta(doc.doc_id, doc.meta) for doc in documents])
