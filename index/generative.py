"""Optional LLM answers that may cite only the retrieved chunks, and are checked.

The model follows the same plan as the extractive answer: for a "how did others do it"
question it gets the chosen practices of each pilot (做法 and 成效 sentences) as
context and writes one line per pilot, 【试点】做法：…。成效：…, which is read back into
practices; other plans get the cited chunks and write sentences grouped by pilot.

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

from index.answer_model import Answer, AnswerSentence, Citation, Plan, PracticeAnswer
from index.config import LlmOptions
from ingest.practice_parts import Role, sentence_role
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


def practices_block(practices: list[PracticeAnswer]) -> str:
    lines = []
    for practice in practices:
        method = "".join(s.text + "".join(f"[{n}]" for n in s.citations) for s in practice.method)
        effect = "".join(s.text + "".join(f"[{n}]" for n in s.citations) for s in practice.effect)
        lines.append(f"【{practice.pilot}｜{practice.title}】做法：{method}" + (f"成效：{effect}" if effect else ""))
    return "\n".join(lines)


_PILOT_LINE = re.compile(r"^\s*【([^】]+)】")


def read_practices(
    text: str, extractive: list[PracticeAnswer], citations: list[Citation]
) -> tuple[list[PracticeAnswer], int]:
    """The model's 【试点】做法：…。成效：… lines as practices of the pilots the extractive
    answer showed; each sentence verified; a line for another pilot counts as dropped."""
    by_number = {c.n: c for c in citations}
    first_of_pilot: dict[str, PracticeAnswer] = {}
    for practice in extractive:
        first_of_pilot.setdefault(practice.pilot, practice)
    parts: dict[str, dict[Role, list[AnswerSentence]]] = {}
    dropped = 0
    for line in text.strip().splitlines():
        found = _PILOT_LINE.match(line)
        body = line[found.end() :] if found else line
        pilot = found.group(1).split("｜")[0].strip() if found else ""
        for role, chunk in _labelled(body):
            for sentence, numbers in _checked_sentences(chunk, by_number):
                if numbers is None:
                    dropped += 1
                    continue
                owner = pilot or by_number[numbers[0]].pilot
                if owner not in first_of_pilot:
                    dropped += 1
                    continue
                kind = role or (Role.EFFECT if sentence_role(sentence) is Role.EFFECT else Role.METHOD)
                parts.setdefault(owner, {}).setdefault(kind, []).append(
                    AnswerSentence(text=sentence, citations=numbers, score=1.0)
                )
    practices = []
    for pilot, roles in parts.items():
        model = first_of_pilot[pilot]
        titles = "；".join(dict.fromkeys(p.title for p in extractive if p.pilot == pilot))
        practices.append(
            replace(
                model,
                title=titles,
                method=tuple(roles.get(Role.METHOD, ())),
                effect=tuple(roles.get(Role.EFFECT, ())),
            )
        )
    return practices, dropped


def _labelled(body: str) -> list[tuple[Role | None, str]]:
    """Split a line at its 做法：/成效： labels; text before any label has no role."""
    pieces: list[tuple[Role | None, str]] = []
    role: Role | None = None
    position = 0
    for match in re.finditer(r"(做法|成效)[：:]", body):
        if body[position : match.start()].strip():
            pieces.append((role, body[position : match.start()]))
        role = Role.METHOD if match.group(1) == "做法" else Role.EFFECT
        position = match.end()
    if body[position:].strip():
        pieces.append((role, body[position:]))
    return pieces


def _checked_sentences(text: str, by_number: dict[int, Citation]) -> list[tuple[str, tuple[int, ...] | None]]:
    checked = []
    for sentence in split_sentences(text.strip()):
        if not _MARKER.sub("", sentence).strip(" 。；;，,"):
            continue
        checked.append((_MARKER.sub("", sentence).strip(), _verified(sentence, by_number)))
    return checked


def _ask(llm: LLM, prompt: str) -> str:
    return llm.chat([ChatMessage(role="user", content=prompt)]).message.content or ""


def generate_answer(question: str, extractive: Answer, llm: LLM) -> tuple[Answer, bool]:
    """An LLM answer over the extractive answer's evidence (True), or the extractive
    answer with a note saying why not (False)."""
    citations = extractive.citations
    if not extractive.found or not citations:
        return extractive, False
    practices = extractive.plan is Plan.PRACTICE and bool(extractive.practices)
    if practices:
        prompt = load_prompt("answer_practices_v1").format(
            question=question, practices=practices_block(extractive.practices), evidence=evidence_block(citations)
        )
    else:
        prompt = load_prompt("answer_v1").format(question=question, evidence=evidence_block(citations))
    try:
        reply = _ask(llm, prompt)
    except Exception as error:  # any transport or protocol failure falls back
        return replace(extractive, note=NOTE_FALLBACK.format(reason=type(error).__name__)), False
    if practices:
        return _generated_practices(extractive, reply, citations)
    sentences, dropped = verify_generated(reply, citations)
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


def _generated_practices(extractive: Answer, reply: str, citations: list[Citation]) -> tuple[Answer, bool]:
    practices, dropped = read_practices(reply, extractive.practices, citations)
    practices = [p for p in practices if p.method or p.effect]
    if not practices:
        return replace(extractive, note=NOTE_NOTHING_VERIFIED), False
    groups = {p.pilot: list(p.sentences()) for p in practices}
    note = NOTE_GENERATED + (NOTE_DROPPED.format(count=dropped) if dropped else "")
    # Citations keep their numbers (the sentences refer to them); all stay listed.
    return replace(extractive, practices=practices, groups=groups, note=note), True
