"""Optional LLM answers that may cite only the retrieved chunks, and are checked.

Any OpenAI-compatible endpoint (a local Qwen or DeepSeek behind vLLM or Ollama) is
reached through llama-index's LLM interface. What the model writes is not trusted:
every sentence must carry citation markers that exist, every quoted passage must appear
verbatim in a cited chunk, and every figure (number with unit) must appear in a cited
chunk. Sentences that fail are dropped and counted in the note. If the endpoint fails,
times out, or nothing verifiable remains, the extractive answer is returned with a
visible note.
"""

from __future__ import annotations

import re
from dataclasses import replace

from llama_index.core.llms import LLM, ChatMessage

from index.answer_model import Answer, AnswerSentence, Citation
from index.config import LlmOptions
from ingest.sentences import NUMBER_WITH_UNIT, split_sentences
from prompts import load_prompt

_MARKER = re.compile(r"\[(\d{1,3})\]")
_QUOTED = re.compile(r"[「“\"]([^」”\"]{4,})[」”\"]")

NOTE_FALLBACK = "大模型服务不可用（{reason}），以下为从原文中抽取的答案。"
NOTE_NOTHING_VERIFIED = "大模型的回答无法与原文核对，以下为从原文中抽取的答案。"
NOTE_DROPPED = "已删除 {count} 句无法与原文核对的内容。"
NOTE_GENERATED = "本回答由大模型根据检索到的原文生成，每句均已与所引原文核对。"


def make_llm(options: LlmOptions) -> LLM:
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=options.model,
        api_base=options.base_url,
        api_key=options.api_key or "not-needed",
        is_chat_model=True,
        timeout=options.timeout,
        max_retries=0,
        max_tokens=options.max_tokens,
        temperature=0.1,
    )


def evidence_block(citations: list[Citation]) -> str:
    return "\n".join(
        f"[{c.n}] 【{c.pilot or '未注明试点'}｜{c.title}｜{c.heading_path}】{c.chunk_text}" for c in citations
    )


def _verified(sentence: str, by_number: dict[int, Citation]) -> tuple[int, ...] | None:
    numbers = tuple(dict.fromkeys(int(n) for n in _MARKER.findall(sentence)))
    if not numbers or any(n not in by_number for n in numbers):
        return None
    cited_text = "".join(by_number[n].chunk_text for n in numbers)
    plain = _MARKER.sub("", sentence)
    if any(quote not in cited_text for quote in _QUOTED.findall(plain)):
        return None
    if any(match.group(0) not in cited_text for match in NUMBER_WITH_UNIT.finditer(plain) if len(match.group(0)) > 1):
        return None
    return numbers


def verify_generated(text: str, citations: list[Citation]) -> tuple[list[AnswerSentence], int]:
    """Keep the sentences whose citations, quotes and figures check out; count the rest."""
    by_number = {c.n: c for c in citations}
    kept: list[AnswerSentence] = []
    dropped = 0
    for sentence in split_sentences(text.strip()):
        if not _MARKER.sub("", sentence).strip(" 。；;，,"):
            continue  # a marker alone after the previous sentence's stop
        numbers = _verified(sentence, by_number)
        if numbers is None:
            dropped += 1
            continue
        kept.append(AnswerSentence(text=_MARKER.sub("", sentence).strip(), citations=numbers, score=1.0))
    return kept, dropped


def generate_answer(question: str, extractive: Answer, llm: LLM) -> tuple[Answer, bool]:
    """An LLM answer over the extractive answer's evidence (True), or the extractive
    answer with a note saying why not (False)."""
    citations = extractive.citations
    if not extractive.found or not citations:
        return extractive, False
    prompt = load_prompt("answer_v1").format(question=question, evidence=evidence_block(citations))
    try:
        reply = llm.chat([ChatMessage(role="user", content=prompt)])
    except Exception as error:  # any transport or protocol failure falls back
        return replace(extractive, note=NOTE_FALLBACK.format(reason=type(error).__name__)), False
    sentences, dropped = verify_generated(reply.message.content or "", citations)
    if not sentences:
        return replace(extractive, note=NOTE_NOTHING_VERIFIED), False
    by_number = {c.n: c for c in citations}
    groups: dict[str, list[AnswerSentence]] = {}
    for sentence in sentences:
        pilot = by_number[sentence.citations[0]].pilot or "其他"
        groups.setdefault(pilot, []).append(sentence)
    used = sorted({n for s in sentences for n in s.citations})
    note = NOTE_GENERATED + (NOTE_DROPPED.format(count=dropped) if dropped else "")
    return replace(extractive, groups=groups, citations=[by_number[n] for n in used], note=note), True
