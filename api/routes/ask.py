"""POST /ask: an answer made of cited sentences, or an honest "not found"."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request

from api import messages
from api.deps import KB
from api.errors import ApiError
from api.routes.documents import section_anchor
from api.routes.search import inferred_fields
from api.schemas import AnswerGroup, AnswerSentenceOut, AskRequest, AskResponse, CitationOut
from index import SearchFilters
from index.catalog import ChunkRecord
from index.answer_model import Answer, Citation

router = APIRouter(tags=["问答"])


# chunk id -> its record (page numbers and inferred fields live in chunk metadata).
ChunkLookup = Callable[[str], ChunkRecord | None]


def citation_out(citation: Citation, chunk_of: ChunkLookup | None = None) -> CitationOut:
    record = chunk_of(citation.chunk_id) if chunk_of is not None else None
    meta = record.metadata if record is not None else {}
    return CitationOut(
        n=citation.n,
        chunk_id=citation.chunk_id,
        doc_id=citation.doc_id,
        title=citation.title,
        pilot=citation.pilot,
        pilot_type=citation.pilot_type,
        heading_path=citation.heading_path,
        anchor=section_anchor(citation.heading_path.split(" > ")),
        chunk_text=citation.chunk_text,
        page=meta.get("page") or None,
        page_end=meta.get("page_end") or None,
        inferred=inferred_fields(meta),
    )


def answer_text(answer: Answer) -> str:
    """The whole answer as text: one paragraph per pilot, markers after each sentence."""
    if not answer.found:
        return answer.note
    paragraphs = []
    for pilot, sentences in answer.groups.items():
        body = "".join(s.text + "".join(f"[{n}]" for n in s.citations) for s in sentences)
        paragraphs.append(f"【{pilot}】{body}")
    return "\n".join(paragraphs)


def ask_response(answer: Answer, generated: bool, chunk_of: ChunkLookup | None = None) -> AskResponse:
    return AskResponse(
        question=answer.question,
        kind=str(getattr(answer.kind, "value", answer.kind)),
        found=answer.found,
        answer=answer_text(answer),
        groups=[
            AnswerGroup(
                pilot=pilot, sentences=[AnswerSentenceOut(text=s.text, citations=list(s.citations)) for s in items]
            )
            for pilot, items in answer.groups.items()
        ],
        citations=[citation_out(c, chunk_of) for c in answer.citations],
        related=[citation_out(c, chunk_of) for c in answer.related],
        note=answer.note,
        generated=generated,
    )


@router.post(
    "/ask", response_model=AskResponse, responses={400: {"description": "问题为空"}, 422: {"description": "参数无效"}}
)
def ask(kb: KB, request: Request, body: AskRequest) -> AskResponse:
    """问答：答案由检索到的原文句子组成并逐句标注来源；证据不足时明确说明。配置了大模型时由其改写，且逐句核对引用。"""
    question = body.question.strip()
    if not question:
        raise ApiError(400, messages.EMPTY_QUESTION, "question")
    filters = SearchFilters.parse(
        pilot_type=body.pilot_type, region=body.region, doc_type=body.doc_type, field=body.field, year=body.year
    )
    llm = request.app.state.llm if body.use_llm else None
    answer, generated = kb.answer(question, filters, body.top_k, llm)
    return ask_response(answer, generated, kb.retriever.table.get)
