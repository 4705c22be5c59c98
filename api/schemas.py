"""Response models of the HTTP API (they also document it at /docs)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class DocumentInfo(BaseModel):
    doc_id: str
    title: str
    pilot: str
    pilot_id: str
    pilot_type: str
    region: str
    doc_type: str
    period: str = ""
    date: str = ""
    year: int = 0
    fields: list[str] = []
    demo: bool = False
    inferred: list[str] = Field(default_factory=list, description="推断而非文件声明的元数据字段")

    @classmethod
    def from_meta(cls, doc_id: str, meta: dict[str, Any]) -> "DocumentInfo":
        return cls(doc_id=doc_id, **{key: value for key, value in meta.items() if key in cls.model_fields})


class SearchHit(DocumentInfo):
    rank: int
    chunk_id: str
    score: float = Field(description="融合后的相关度（0–1，越大越相关）")
    bm25_score: float | None = None
    dense_score: float | None = Field(None, description="与查询的余弦相似度")
    heading_path: str = Field(description="章节路径，如 二、主要做法 > （一）余热利用")
    text: str
    highlighted: str = Field(description="HTML 转义后的原文，命中词以 <mark> 标出")
    matched_terms: list[str]


class SearchResponse(BaseModel):
    query: str
    filters: dict[str, Any]
    mode: str
    total: int
    took_ms: float
    results: list[SearchHit]


class SectionOut(BaseModel):
    anchor: str = Field(description="章节锚点，文档页面用它定位")
    heading_path: list[str]
    text: str


class DocumentDetail(DocumentInfo):
    source: str
    char_count: int
    chunk_count: int
    ingested_at: str
    sections: list[SectionOut]


class PilotInfo(BaseModel):
    pilot_id: str
    pilot: str
    pilot_type: str
    region: str
    demo: bool
    document_count: int
    doc_types: dict[str, int]
    fields: list[str]


class PilotDetail(PilotInfo):
    documents: list[DocumentInfo]


class Health(BaseModel):
    status: str
    documents: int
    chunks: int
    embedder: str


class ErrorBody(BaseModel):
    detail: str
    parameter: str | None = None
