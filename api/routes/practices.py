"""GET /practices: the replicable-practice catalogue, filterable and searchable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import KB, Filters
from api.routes.documents import section_anchor
from api.schemas import FigureOut, PracticeOut, SourceOut
from ingest.extracted import Practice

router = APIRouter(tags=["经验做法"])


# (doc_id, heading path) -> the page the section starts on, None for unpaged formats.
PageLookup = Callable[[str, str], int | None]


def section_pages(kb) -> PageLookup:
    """Page lookup over the catalogue's sections, reading each document once per request."""
    pages: dict[str, dict[str, int]] = {}

    def lookup(doc_id: str, heading_path: str) -> int | None:
        if doc_id not in pages:
            doc = kb.document(doc_id)
            sections = doc.sections if doc is not None else []
            pages[doc_id] = {" > ".join(s["heading_path"]): s["page"] for s in sections if s.get("page")}
        found = pages[doc_id]
        if not found:
            return None
        if heading_path in found:
            return found[heading_path]
        return next((page for path, page in found.items() if path.startswith(heading_path + " > ")), None)

    return lookup


def practice_out(practice: Practice, score: float | None = None, page_of: PageLookup | None = None) -> PracticeOut:
    return PracticeOut(
        practice_id=practice.practice_id,
        title=practice.title,
        description=practice.description,
        pilot=practice.pilot,
        pilot_id=practice.pilot_id,
        pilot_type=practice.pilot_type,
        region=practice.region,
        fields=list(practice.fields),
        figures=[FigureOut(**asdict(figure)) for figure in practice.figures],
        sources=[
            SourceOut(
                **asdict(source),
                anchor=section_anchor(source.heading_path.split(" > ")),
                page=page_of(source.doc_id, source.heading_path) if page_of is not None else None,
            )
            for source in practice.sources
        ],
        demo=practice.demo,
        score=None if score is None else round(score, 4),
    )


@router.get("/practices", response_model=list[PracticeOut])
def list_practices(
    kb: KB,
    filters: Filters,
    q: Annotated[str, Query(max_length=200, description="自由文本，如“余热利用”；为空时按试点排列")] = "",
    limit: Annotated[int, Query(ge=1, le=200, description="最多返回条数")] = 50,
) -> list[PracticeOut]:
    """可复制、可推广的经验做法：按试点类型、领域、地区过滤，可按文本检索；每条附来源。"""
    ranked = kb.practices(q.strip(), filters, limit)
    page_of = section_pages(kb)
    return [practice_out(practice, score if q.strip() else None, page_of) for practice, score in ranked]
