"""Small handwritten documents for extraction tests, independent of the demo corpus."""

from __future__ import annotations

from ingest.documents import ParsedDocument
from ingest.formats.markdown import markdown_sections
from ingest.metadata import validate_metadata


def make_document(
    body: str,
    *,
    doc_id: str = "demo-park/report",
    doc_type: str = "进展报告",
    period: str = "",
    date: str = "",
    pilot: str = "示范园区",
    pilot_id: str = "demo-park",
    pilot_type: str = "园区",
    fields: tuple[str, ...] = ("节能降碳增效",),
    title: str = "",
) -> ParsedDocument:
    raw = {
        "title": title or f"{pilot}{doc_type}",
        "pilot": pilot,
        "pilot_id": pilot_id,
        "pilot_type": pilot_type,
        "region": "宁东能源化工基地",
        "doc_type": doc_type,
        "fields": list(fields),
        "demo": True,
    }
    if period:
        raw["period"] = period
    if date:
        raw["date"] = date
    return ParsedDocument(
        doc_id=doc_id,
        source=f"/tmp/{doc_id}.md",
        meta=validate_metadata(raw),
        sections=markdown_sections(body),
        content_hash="",
    )
