"""Dify's external knowledge API: TanLu as the knowledge behind a Dify application.

Dify (and platforms built like it) can use an outside knowledge base instead of its
own. The administrator registers ``<TanLu>/`` and a key; Dify then POSTs each query
to ``/retrieval`` and shows the records it gets back as cited context. TanLu answers
with the same hybrid, pre-filtered search as ``GET /search``, so nothing is copied
into Dify and every record links back to its section on TanLu's page.

The protocol (summarised from Dify's published description and its source):
``{knowledge_id, query, retrieval_setting: {top_k, score_threshold}, metadata_condition?}``
in, ``{"records": [{content, score, title, metadata}]}`` out, ``metadata`` never null;
errors as ``{error_code, error_msg}`` — 1001 malformed Authorization header, 1002 key
refused, 2001 unknown knowledge base, and TanLu's own 3001 for a body it cannot use.
Saving the endpoint in Dify sends a POST with the key and no body: that answers 200
with no records (Dify refuses to save on 403, 404 or 502).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel, Field

from api import messages
from api.auth import token_matches
from api.dify_conditions import MetadataCondition, selected_documents
from api.presenters import inferred_fields, section_link
from api.settings import Settings
from index import KnowledgeBase, SearchFilters
from ingest.domain import PILOT_TYPES
from ingest.errors import TanluError

KNOWLEDGE_ALL = "all"
# Records per request at most, whatever top_k asks: each one is a passage of ~250 characters.
MAX_RECORDS = 50
HEADER_FORMAT, KEY_REFUSED, UNKNOWN_KNOWLEDGE, BAD_REQUEST, UNAVAILABLE = 1001, 1002, 2001, 3001, 5001


class DifyError(TanluError):
    """An error in Dify's format: ``error_code`` beside the HTTP status."""

    def __init__(self, http_status: int, error_code: int, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.error_code = error_code


class RetrievalSetting(BaseModel):
    top_k: int = Field(ge=1, description="最多返回的记录数（超过 50 按 50）")
    score_threshold: float = Field(0.0, ge=0.0, le=1.0, description="最低相关度（0–1）；0 表示不设下限")


class RetrievalRequest(BaseModel):
    knowledge_id: str = Field(
        min_length=1, description="all、试点类型（如 园区）、试点编号，或设置 TANLU_DIFY_KNOWLEDGE_SETS 中的名称"
    )
    query: str = Field(description="用户的问题或关键词")
    retrieval_setting: RetrievalSetting
    metadata_condition: MetadataCondition | None = Field(
        None, description="元数据条件（Dify 的 metadata_condition），在融合之前限定检索的文档"
    )


class RetrievalRecord(BaseModel):
    content: str = Field(description="原文分块")
    score: float = Field(description="相关度（0–1）")
    title: str = Field(description="文档标题")
    metadata: dict[str, Any] = Field(description="试点、类型、文档类型、时期、章节路径、原文链接等；不会为 null")


class RetrievalResponse(BaseModel):
    records: list[RetrievalRecord] = Field(default_factory=list)


class DifyErrorBody(BaseModel):
    error_code: int = Field(
        description="1001 请求头格式错误；1002 密钥无效；2001 知识库不存在；3001 请求无效；5001 服务不可用"
    )
    error_msg: str


def check_key(request: Request, settings: Settings) -> None:
    """The Bearer key must be one of TANLU_DIFY_API_KEYS (403 otherwise, as Dify expects)."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise DifyError(403, HEADER_FORMAT, messages.DIFY_HEADER_FORMAT)
    keys = settings.dify_keys()
    if not keys:
        raise DifyError(403, KEY_REFUSED, messages.DIFY_DISABLED)
    # Every key is compared, so the timing does not tell which (if any) came close.
    if not any([token_matches(key.strip(), known) for known in keys]):
        raise DifyError(403, KEY_REFUSED, messages.DIFY_KEY_WRONG)


def knowledge_filters(kb: KnowledgeBase, settings: Settings, knowledge_id: str) -> SearchFilters:
    """What a knowledge_id stands for: a named set, everything, a pilot type or one pilot."""
    named = settings.dify_knowledge_sets.get(knowledge_id)
    if named is not None:
        return SearchFilters.parse(**named)
    if knowledge_id == KNOWLEDGE_ALL:
        return SearchFilters()
    if knowledge_id in PILOT_TYPES:
        return SearchFilters(pilot_type=knowledge_id)
    if any(pilot["pilot_id"] == knowledge_id for pilot in kb.pilots()):
        return SearchFilters(pilot_id=knowledge_id)
    sets = f"（{'、'.join(settings.dify_knowledge_sets)}）" if settings.dify_knowledge_sets else ""
    message = messages.DIFY_UNKNOWN_KNOWLEDGE.format(
        knowledge_id=knowledge_id, pilot_types="、".join(PILOT_TYPES), sets=sets
    )
    raise DifyError(404, UNKNOWN_KNOWLEDGE, message)


def retrieve(kb: KnowledgeBase, settings: Settings, body: RetrievalRequest, base_url: str) -> RetrievalResponse:
    """Hybrid search under the knowledge base's filters and the metadata condition."""
    filters = knowledge_filters(kb, settings, body.knowledge_id)
    query = body.query.strip()
    if body.metadata_condition is not None and body.metadata_condition.conditions:
        documents = [(doc.doc_id, doc.meta) for doc in kb.documents(filters)]
        chosen = selected_documents(body.metadata_condition, documents)
        filters = SearchFilters(**{**_fields_of(filters), "doc_ids": chosen})
    if not query or filters.matches_nothing():
        return RetrievalResponse()
    setting = body.retrieval_setting
    records = []
    for hit in kb.search(query, filters, min(setting.top_k, MAX_RECORDS)):
        score = round(kb.relevance(hit), 4)
        if setting.score_threshold and score < setting.score_threshold:
            continue
        records.append(
            RetrievalRecord(
                content=hit.record.text,
                score=score,
                title=hit.record.metadata.get("title", ""),
                metadata=record_metadata(hit.record.chunk_id, hit.record.metadata, base_url),
            )
        )
    return RetrievalResponse(records=records)


def _fields_of(filters: SearchFilters) -> dict[str, Any]:
    return {name: getattr(filters, name) for name in SearchFilters.__dataclass_fields__}


def record_metadata(chunk_id: str, meta: dict[str, Any], base_url: str) -> dict[str, Any]:
    """What an official needs to cite a record, and a link that opens its section."""
    heading_path = str(meta.get("heading_path", ""))
    doc_id = str(meta.get("doc_id", ""))
    found: dict[str, Any] = {
        "pilot": meta.get("pilot", ""),
        "pilot_id": meta.get("pilot_id", ""),
        "pilot_type": meta.get("pilot_type", ""),
        "region": meta.get("region", ""),
        "doc_type": meta.get("doc_type", ""),
        "period": meta.get("period", ""),
        "date": meta.get("date", ""),
        "fields": [item for item in str(meta.get("fields", "")).split("、") if item],
        "heading_path": heading_path,
        "doc_id": doc_id,
        "chunk_id": chunk_id,
        "url": section_link(base_url, doc_id, heading_path),
        "demo": bool(meta.get("demo", False)),
        "inferred": inferred_fields(meta),
    }
    if meta.get("page"):
        found["page"], found["page_end"] = meta["page"], meta.get("page_end") or meta["page"]
    return found
