"""Practice answers: "how did the others do it" answered with practices, per pilot.

The answer to 「其他园区是怎么利用余热的？」 is a practice of each park that has one:
what it did (做法, one to three sentences) and what that achieved (成效, its result
sentence), each cited. Sentence-by-sentence extraction picks whatever repeats the
question most (「单位工业增加值能耗同比下降3.8%」 says how much, not how); the practice
catalogue already knows which text describes one measure, so the answer starts there:

1. the retrieved chunks are mapped to the practices whose sections hold them;
2. a practice counts when its own text (title, description, the retrieved chunks)
   covers the question's topic words (index/question_terms.py) well enough — the same
   bar for every practice, so five parks are shown when five have it;
3. each pilot shows its best practice (and a second one when it is nearly as good);
4. the method sentences come from the practice's description (its opening sentences
   when the title itself covers the topic, else the sentences that mention it), the
   effect sentence is its best result sentence (ingest/practice_parts.py); headings,
   table lines and preambles never appear.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.answer_model import AnswerSentence, CitationNumbers, PracticeAnswer
from index.catalog import ChunkRecord
from index.hybrid import ScoredChunk
from index.question_terms import Topic, coverage, missing_noun_share
from ingest.documents import HEADING_SEPARATOR
from ingest.domain import PLAN_DOC_TYPE
from ingest.extracted import Practice
from ingest.matching_form import fold
from ingest.numbering import without_numbering
from ingest.practice_parts import Role, sentence_role
from ingest.sentences import split_sentences

MAX_PILOTS = 6
MAX_METHOD_SENTENCES = 2
MAX_EFFECT_SENTENCES = 1
# A second practice of the same pilot is shown when it scores this close to the first.
SECOND_PRACTICE_RATIO = 0.8
# The title covers the topic this well: the description's opening sentences are the how.
TITLE_COVERAGE = 0.5
MAX_SENTENCE_CHARS = 160
# Shorter sentences are scraps (「总投资0.4亿元。」), not a description of what was done.
MIN_SENTENCE_CHARS = 14
# Experience summaries and cases describe a practice for others to copy; plans and
# reports list it among tasks and figures. Between equally relevant practices, theirs win.
SUMMARY_DOC_TYPES = ("经验总结", "典型案例")
SUMMARY_BONUS = 0.2


@dataclass(frozen=True, kw_only=True)
class PracticeThresholds:
    """A practice answers when its text covers this share of the question's topic
    weight; calibrated on the domain questions (bench/domain.py)."""

    coverage: float = 0.5
    # ... and misses no naming word (a group) carrying this share of the topic weight.
    missing_noun: float = 0.35


@dataclass
class PracticeMatch:
    practice: Practice
    chunks: list[ChunkRecord]  # its source sections
    retrieved: set[str]  # ids of those chunks the search returned
    coverage: float
    title_coverage: float
    retrieval: float
    missing_noun: float = 0.0  # question_terms.missing_noun_share over its text
    best_chunk: str = ""  # id of its chunk the search ranked highest ("" if none)

    @property
    def score(self) -> float:
        summary = any(source.doc_type in SUMMARY_DOC_TYPES for source in self.practice.sources)
        return self.coverage + 0.5 * self.retrieval + (SUMMARY_BONUS if summary else 0.0)


@dataclass(frozen=True)
class SourcedSentence:
    text: str
    record: ChunkRecord
    position: int  # order in the practice's description, then in its source sections
    in_description: bool
    retrieved: bool


def match_practices(
    topic: Topic,
    hits: Sequence[ScoredChunk],
    candidates: Sequence[Practice],
    texts: dict[str, str],
    chunks: dict[str, list[ChunkRecord]],
) -> list[PracticeMatch]:
    """Every candidate practice with its topic coverage (over all its sources' text) and
    its retrieval score (its best retrieved chunk, 0 if none), best first. Coverage is
    read over the whole catalogue, not only over what the search returned: when one
    pilot fills the top results, the others' practices still count."""
    top = max((hit.score for hit in hits), default=0.0) or 1.0
    best_hit = {hit.record.chunk_id: hit.score / top for hit in hits}
    # A question that names no topic (「把园区类试点的经验汇总一下」) asks for every
    # practice in its scope: each covers it fully, and retrieval and summaries rank them.
    everything = not topic.terms
    found = []
    for practice in candidates:
        own = chunks.get(practice.practice_id, [])
        retrieved = {record.chunk_id for record in own if record.chunk_id in best_hit}
        found.append(
            PracticeMatch(
                practice=practice,
                chunks=own,
                retrieved=retrieved,
                coverage=1.0 if everything else coverage(topic, texts.get(practice.practice_id, "")),
                title_coverage=1.0 if everything else coverage(topic, fold(practice.title).lower()),
                retrieval=max((best_hit[chunk_id] for chunk_id in retrieved), default=0.0),
                best_chunk=max(retrieved, key=lambda chunk_id: best_hit[chunk_id], default=""),
                missing_noun=0.0 if everything else missing_noun_share(topic, texts.get(practice.practice_id, "")),
            )
        )
    return sorted(found, key=lambda match: match.score, reverse=True)


def choose(matches: list[PracticeMatch], thresholds: PracticeThresholds) -> list[PracticeMatch]:
    """Practices that answer, grouped by pilot (pilots in order of their best practice)."""
    by_pilot: dict[str, list[PracticeMatch]] = {}
    for match in matches:
        if match.coverage < thresholds.coverage or match.missing_noun >= thresholds.missing_noun:
            continue
        shown = by_pilot.get(match.practice.pilot_id)
        if shown is None:
            if len(by_pilot) < MAX_PILOTS:
                by_pilot[match.practice.pilot_id] = [match]
        elif len(shown) == 1 and match.score >= SECOND_PRACTICE_RATIO * shown[0].score:
            shown.append(match)
    return [match for shown in by_pilot.values() for match in shown]


def practice_sentences(match: PracticeMatch) -> list[SourcedSentence]:
    """Sentences of the practice's description, then of its source sections, each with
    the chunk it is cited from."""
    sentences: list[SourcedSentence] = []
    seen: set[str] = set()
    canonical = match.practice.sources[0]
    section = [record for record in match.chunks if record.doc_id == canonical.doc_id]
    for sentence in split_sentences(match.practice.description):
        text = sentence.strip()
        record = next((r for r in section if text in r.text), section[0] if section else None)
        if record is not None and text and text not in seen:
            sentences.append(SourcedSentence(text, record, len(sentences), True, record.chunk_id in match.retrieved))
            seen.add(text)
    for record in match.chunks:
        for sentence in split_sentences(record.text):
            text = sentence.strip()
            if text and text not in seen:
                retrieved = record.chunk_id in match.retrieved
                sentences.append(SourcedSentence(text, record, len(sentences), False, retrieved))
                seen.add(text)
    return sentences


def _in_context(sentence: SourcedSentence) -> str:
    """The sentence read with its section's own heading: under 「（一）改造效果核定」 the
    sentence 「社区会同供热企业核对热计量数据：…下降26.3%」 is about 核定 without saying it."""
    heading = str(sentence.record.metadata.get("heading_path", "")).split(HEADING_SEPARATOR)[-1]
    return f"{heading} {sentence.text}"


_LABEL = re.compile(r"^(?:主要)?(?:成效|效果|做法|具体做法是?)[：:]")


def _shown(text: str) -> str:
    """The sentence as shown under 做法 or 成效: without its outline number or a label
    that the column already says (「成效：两轮评价中…」)."""
    return _LABEL.sub("", without_numbering(text)).strip()


def pick_sentences(
    match: PracticeMatch, topic: Topic, sentences: list[SourcedSentence]
) -> tuple[list[SourcedSentence], list[SourcedSentence]]:
    """The method and effect sentences to show, each list in text order."""
    roles = {s.position: sentence_role(s.text) for s in sentences}
    relevance = {s.position: coverage(topic, fold(_in_context(s)).lower()) for s in sentences}
    usable = [
        s
        for s in sentences
        if roles[s.position] is not Role.FRAME and MIN_SENTENCE_CHARS <= len(s.text) <= MAX_SENTENCE_CHARS
    ]
    methods = [s for s in usable if roles[s.position] is Role.METHOD]
    opening = sorted(methods, key=lambda s: (not s.in_description, s.position))
    relevant = sorted(
        (s for s in methods if relevance[s.position] > 0),
        key=lambda s: (-relevance[s.position], not s.in_description, s.position),
    )
    # When the title itself covers the topic the practice as a whole is the answer, and
    # its description opens with the how; else the method sentences that mention the
    # topic, and the opening ones when none does (the practice covers it elsewhere).
    ranked = opening if match.title_coverage >= TITLE_COVERAGE or not relevant else relevant
    # A plan's 重点工程 reads like a result (「改造农户270户，年替代散煤约680吨」) but is
    # what the pilot intends: never its 成效.
    effects = sorted(
        (s for s in usable if roles[s.position] is Role.EFFECT and s.record.metadata.get("doc_type") != PLAN_DOC_TYPE),
        key=lambda s: (-relevance[s.position], s.record.chunk_id != match.best_chunk, not s.in_description, s.position),
    )
    if ranked is opening and match.title_coverage < TITLE_COVERAGE and effects and relevance[effects[0].position] > 0:
        # The practice answers through its result alone (「…替代比例提高到10%」): its
        # opening sentences say nothing of what is asked (「资金方面，…获得绿色信贷」).
        ranked = []
    # The passage search ranked first, when it is not the practice's description, says
    # what the question asks (「冬天沼液没法还田」 -> the report's 「沼液冬储问题解决」,
    # not the summary's pipelines): its sentences come first.
    # Unless another sentence says more of what is asked (「怎么监测有没有泄漏」 is not
    # answered by the best-ranked section's 「开展驱油封存」).
    best = [s for s in methods if s.record.chunk_id == match.best_chunk and not s.in_description]
    if best and relevant and max(relevance[s.position] for s in best) < relevance[relevant[0].position]:
        best = []
    ranked = best + [s for s in ranked if s not in best]
    method = sorted(ranked[:MAX_METHOD_SENTENCES], key=lambda s: s.position)
    return method, effects[:MAX_EFFECT_SENTENCES]


def practice_answers(chosen: list[PracticeMatch], topic: Topic, citations: CitationNumbers) -> list[PracticeAnswer]:
    answers = []
    for match in chosen:
        method, effect = pick_sentences(match, topic, practice_sentences(match))
        if not method and not effect:
            continue
        practice = match.practice
        answers.append(
            PracticeAnswer(
                practice_id=practice.practice_id,
                title=practice.title,
                pilot=practice.pilot,
                pilot_id=practice.pilot_id,
                pilot_type=practice.pilot_type,
                method=tuple(_cited(s, citations, match.score) for s in method),
                effect=tuple(_cited(s, citations, match.score) for s in effect),
                score=match.score,
            )
        )
    return answers


def _cited(sentence: SourcedSentence, citations: CitationNumbers, score: float) -> AnswerSentence:
    return AnswerSentence(_shown(sentence.text), (citations.number(sentence.record),), score)
