"""POST /ask: an answer made of cited sentences, or an honest "not found"."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api import messages
from api.deps import KB
from api.errors import ApiError
from api.presenters import ask_response
from api.schemas import AskRequest, AskResponse
from index import SearchFilters

router = APIRouter(tags=["问答"])


@router.post(
    "/ask",
    summary="问答",
    response_model=AskResponse,
    responses={400: {"description": "问题为空"}, 422: {"description": "参数无效"}},
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
    return ask_response(answer, generated, kb.chunk)
