"""Domain objects -> the API's response models, shared by the routes, the CLI and MCP.

Routes only parse requests and call these; the CLI prints what they return, and the
MCP tools return the same models, so a citation reads alike wherever it is shown.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from weakref import WeakKeyDictionary

from api.hidden_paths import hide_paths
from api.highlight import QueryMarks
from api.jobs import Job
from api.schemas import (
    AnswerGroup,
    AnswerSentenceOut,
    AskResponse,
    CitationOut,
    CorrectionOut,
    DocumentInfo,
    FigureOut,
    FigureRowOut,
    FigureTableOut,
    IndicatorSeries,
    JobOut,
    PassageOut,
    PilotPage,
    PracticeAnswerOut,
    PracticeOut,
    SearchHit,
    SeriesPointOut,
    SourceOut,
    TargetAnswerOut,
    TargetPracticeOut,
    TargetTallyOut,
)
from index import KnowledgeBase, SearchFilters
from index.answer_model import Answer, Citation, FigureTable
from index.catalog import ChunkRecord
from index.hybrid import ScoredChunk
from index.practice_effects import practice_applicability
from index.practice_fields import classify_practice
from index.practice_value import practice_value
from ingest.documents import HEADING_SEPARATOR
from ingest.extracted import Practice

# chunk id -> its record (page numbers and inferred fields live in chunk metadata).
ChunkLookup = Callable[[str], ChunkRecord | None]
# (doc_id, heading path) -> the page the section starts on, None for unpaged formats.
PageLookup = Callable[[str, str], int | None]


def section_anchor(heading_path: list[str] | tuple[str, ...]) -> str:
    """Stable anchor of a section (the page scrolls to it; results link to it)."""
    return "s-" + hashlib.sha1(HEADING_SEPARATOR.join(heading_path).encode("utf-8")).hexdigest()[:10]


def anchor_of(heading_path: str) -> str:
    """The anchor of a section given by its joined heading path."""
    return section_anchor(heading_path.split(HEADING_SEPARATOR))


def section_link(base_url: str, doc_id: str, heading_path: str) -> str:
    """The page's address of a section (``/#/doc/<id>?section=<anchor>``), for links outside it."""
    path = "/".join(quote(part, safe="") for part in doc_id.split("/"))
    return f"{base_url.rstrip('/')}/#/doc/{path}?{urlencode({'section': anchor_of(heading_path)})}"


def inferred_fields(chunk_metadata: dict) -> list[str]:
    """Metadata fields inferred from the text; chunks store them comma-joined (Chroma
    holds no lists), and only chunks that have some carry the key."""
    return [item for item in str(chunk_metadata.get("inferred", "")).split(",") if item]


# -- search --------------------------------------------------------------------------
# Read once: pydantic's ``model_fields`` costs ~1 µs an access, and a hit's metadata has ~30 keys.
_HIT_FIELDS = frozenset(SearchHit.model_fields)


def to_hit(rank: int, marks: QueryMarks, hit: ScoredChunk) -> SearchHit:
    """``marks``: the query's highlight terms, made once per search (``QueryMarks(read_as)``)."""
    record = hit.record
    meta = dict(record.metadata)
    heading = str(meta.get("heading_path", ""))
    terms, highlighted, highlighted_heading = marks.hit(heading, record.text)
    meta["fields"] = [item for item in str(meta.get("fields", "")).split("、") if item]
    meta["inferred"] = inferred_fields(meta)
    return SearchHit(
        **{key: value for key, value in meta.items() if key in _HIT_FIELDS},
        rank=rank,
        chunk_id=record.chunk_id,
        score=round(hit.score, 4),
        bm25_score=None if hit.bm25_score is None else round(hit.bm25_score, 4),
        dense_score=None if hit.dense_score is None else round(hit.dense_score, 4),
        text=record.text,
        highlighted=highlighted,
        highlighted_heading=highlighted_heading,
        matched_terms=terms,
    )


def passage_out(hit: ScoredChunk, score: float, base_url: str) -> PassageOut:
    """A hit as MCP returns it: the text, a 0–1 score and how to cite and open it."""
    meta = hit.record.metadata
    heading_path = str(meta.get("heading_path", ""))
    return PassageOut(
        text=hit.record.text,
        score=round(score, 4),
        pilot=str(meta.get("pilot", "")),
        pilot_id=str(meta.get("pilot_id", "")),
        pilot_type=str(meta.get("pilot_type", "")),
        region=str(meta.get("region", "")),
        title=str(meta.get("title", "")),
        doc_type=str(meta.get("doc_type", "")),
        period=str(meta.get("period", "")),
        date=str(meta.get("date", "")),
        heading_path=heading_path,
        page=meta.get("page") or None,
        doc_id=hit.record.doc_id,
        url=section_link(base_url, hit.record.doc_id, heading_path),
        inferred=inferred_fields(meta),
    )


# -- answers -------------------------------------------------------------------------
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
        anchor=anchor_of(citation.heading_path),
        chunk_text=citation.chunk_text,
        page=meta.get("page") or None,
        page_end=meta.get("page_end") or None,
        inferred=inferred_fields(meta),
    )


def _marked(sentences) -> str:
    return "".join(s.text + "".join(f"[{n}]" for n in s.citations) for s in sentences)


def answer_text(answer: Answer) -> str:
    """The whole answer as text, citation markers after each sentence: one paragraph per
    practice (做法, then 成效), one line per table row, or one paragraph per pilot."""
    if not answer.found:
        return answer.note
    if answer.table is not None:
        lines = [f"注意：{answer.table.caveat}。"] if answer.table.caveat else []
        for rank, row in enumerate(answer.table.rows, 1):
            lines.append(
                f"{rank}. {row.pilot}：{_number(row.value)}{row.unit}（{row.period or '时期未注明'}）[{row.citation}]"
            )
        return "\n".join(lines)
    if answer.targets or answer.tallies:
        paragraphs = [
            f"【{t.pilot}】{t.year}年目标：按规则判定{t.total}项中{t.met}项已完成"
            + (f"（未完成：{'、'.join(t.unmet)}）" if t.unmet else "")
            + "。"
            + (f"报告自述：{_marked([t.statement])}" if t.statement is not None else "")
            for t in answer.tallies
        ]
        for item in answer.targets:
            text = f"【{item.pilot}】{item.indicator}（{item.year}年目标）：{item.status}。{item.reason}。"
            text += f"目标：{_marked([item.target])}"
            if item.latest is not None:
                text += f"最新报告：{_marked([item.latest])}"
            if item.practices:
                text += "相关做法：" + "；".join(f"{title}{_marked([s])}" for title, s in item.practices)
            paragraphs.append(text)
        return "\n".join(paragraphs)
    if answer.practices:
        paragraphs = []
        for practice in answer.practices:
            text = f"【{practice.pilot}】{practice.title}。做法：{_marked(practice.method)}"
            if practice.effect:
                text += f"成效：{_marked(practice.effect)}"
            paragraphs.append(text)
        return "\n".join(paragraphs)
    return "\n".join(f"【{pilot}】{_marked(sentences)}" for pilot, sentences in answer.groups.items())


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _sentence_out(sentence) -> AnswerSentenceOut:
    return AnswerSentenceOut(text=sentence.text, citations=list(sentence.citations))


def _sentences_out(sentences) -> list[AnswerSentenceOut]:
    return [_sentence_out(s) for s in sentences]


def ask_response(answer: Answer, generated: bool, chunk_of: ChunkLookup | None = None) -> AskResponse:
    return AskResponse(
        question=answer.question,
        kind=str(getattr(answer.kind, "value", answer.kind)),
        found=answer.found,
        answer=answer_text(answer),
        groups=[AnswerGroup(pilot=pilot, sentences=_sentences_out(items)) for pilot, items in answer.groups.items()],
        citations=[citation_out(c, chunk_of) for c in answer.citations],
        related=[citation_out(c, chunk_of) for c in answer.related],
        note=answer.note,
        generated=generated,
        plan=answer.plan.value,
        practices=[
            PracticeAnswerOut(
                practice_id=p.practice_id,
                title=p.title,
                pilot=p.pilot,
                pilot_id=p.pilot_id,
                pilot_type=p.pilot_type,
                method=_sentences_out(p.method),
                effect=_sentences_out(p.effect),
            )
            for p in answer.practices
        ],
        table=_table_out(answer.table),
        targets=[
            TargetAnswerOut(
                pilot=item.pilot,
                pilot_id=item.pilot_id,
                pilot_type=item.pilot_type,
                target_id=item.target_id,
                indicator=item.indicator,
                year=item.year,
                status=item.status,
                reason=item.reason,
                target=_sentence_out(item.target),
                latest=_sentence_out(item.latest) if item.latest is not None else None,
                practices=[
                    TargetPracticeOut(title=title, sentence=_sentence_out(sentence))
                    for title, sentence in item.practices
                ],
            )
            for item in answer.targets
        ],
        tallies=[
            TargetTallyOut(
                pilot=t.pilot,
                pilot_id=t.pilot_id,
                pilot_type=t.pilot_type,
                year=t.year,
                met=t.met,
                total=t.total,
                unmet=list(t.unmet),
                statement=_sentence_out(t.statement) if t.statement is not None else None,
            )
            for t in answer.tallies
        ],
        corrections=[CorrectionOut(typed=c.typed, meant=c.meant) for c in answer.corrections],
        missing=list(answer.missing),
    )


def _table_out(table: FigureTable | None) -> FigureTableOut | None:
    if table is None:
        return None
    return FigureTableOut(
        indicator=table.indicator,
        descending=table.descending,
        comparable=table.comparable,
        caveat=table.caveat,
        rows=[FigureRowOut(**vars(row)) for row in table.rows],
    )


# -- practices -----------------------------------------------------------------------
def section_pages(kb: KnowledgeBase) -> PageLookup:
    """Page lookup over the catalogue's sections, reading each document once per request."""
    pages: dict[str, dict[str, int]] = {}

    def lookup(doc_id: str, heading_path: str) -> int | None:
        if doc_id not in pages:
            doc = kb.document(doc_id)
            sections = doc.sections if doc is not None else []
            pages[doc_id] = {HEADING_SEPARATOR.join(s["heading_path"]): s["page"] for s in sections if s.get("page")}
        found = pages[doc_id]
        if not found:
            return None
        if heading_path in found:
            return found[heading_path]
        prefix = heading_path + HEADING_SEPARATOR
        return next((page for path, page in found.items() if path.startswith(prefix)), None)

    return lookup


# Practices as presented, by practice id, for each generation of the practice catalogue
# they come from (a write builds a new catalogue, and this entry goes with the old one).
_PRESENTED: WeakKeyDictionary[object, dict[str, PracticeOut]] = WeakKeyDictionary()


def practices_out(kb: KnowledgeBase, ranked: Sequence[tuple[Practice, float]], scored: bool) -> list[PracticeOut]:
    """``practice_out`` of each ranked practice, built once per catalogue generation.

    Why: presenting a practice (its field, value and applicability read from its text,
    the pages of its sources) cost ~0.7 ms, and /practices shows 50 of them: 35 ms a
    request, most of the route. They depend on nothing but the generation; the score,
    which depends on the query, is set on a copy."""
    catalog = kb.practice_catalog()
    presented = _PRESENTED.setdefault(catalog, {})
    page_of: PageLookup | None = None
    result = []
    for practice, score in ranked:
        out = presented.get(practice.practice_id)
        if out is None:
            page_of = page_of or section_pages(kb)
            out = practice_out(practice, page_of=page_of)
            if catalog.by_id.get(practice.practice_id) is practice:  # not one of a generation just replaced
                presented[practice.practice_id] = out
        result.append(out.model_copy(update={"score": round(score, 4)}) if scored else out)
    return result


def practice_out(practice: Practice, score: float | None = None, page_of: PageLookup | None = None) -> PracticeOut:
    value = practice_value(practice, practice_applicability(practice))
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
                anchor=anchor_of(source.heading_path),
                page=page_of(source.doc_id, source.heading_path) if page_of is not None else None,
            )
            for source in practice.sources
        ],
        demo=practice.demo,
        score=None if score is None else round(score, 4),
        field=classify_practice(practice).field,
        value_score=value.score,
        value_reasons=list(value.reasons),
        routine=value.routine,
    )


# -- pilots ---------------------------------------------------------------------------
def pilot_page(kb: KnowledgeBase, pilot: dict[str, Any]) -> PilotPage:
    """One pilot: documents by period, its figures over time (half-yearly reports), practices."""
    pilot_id = pilot["pilot_id"]
    documents = kb.documents(SearchFilters(pilot_id=pilot_id))
    documents.sort(key=lambda doc: (doc.meta.get("date") or doc.meta.get("period") or "", doc.doc_id))
    infos = [DocumentInfo.from_meta(doc.doc_id, doc.meta) for doc in documents]
    by_period: dict[str, list[DocumentInfo]] = defaultdict(list)
    for info in infos:
        by_period[info.period or (info.date[:4] if info.date else "未注明")].append(info)
    indicators = [
        IndicatorSeries(
            name=series.name,
            period_kind=series.period_kind,
            unit=series.unit,
            points=[SeriesPointOut(**asdict(point)) for point in series.points],
        )
        for series in kb.time_series(pilot_id)
    ]
    practices = practices_out(kb, kb.practices("", SearchFilters(pilot_id=pilot_id), 100), scored=False)
    return PilotPage(
        **pilot, documents=infos, documents_by_period=dict(by_period), indicators=indicators, practices=practices
    )


# -- jobs ----------------------------------------------------------------------------
def job_out(job: Job, roots: Sequence[Path] = ()) -> JobOut:
    """A job as a client sees it: no server path in its messages (api/hidden_paths.py)."""
    data = asdict(job)
    for key in ("description", "stage", "message", "error"):
        data[key] = hide_paths(data[key], roots)
    for file in data["files"]:
        file["path"], file["message"] = hide_paths(file["path"], roots), hide_paths(file["message"], roots)
    return JobOut(**data)
