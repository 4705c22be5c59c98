"""Extractive answers: the sentences of the retrieved chunks that answer the question,
each with a citation, grouped by pilot — or an honest "not found".

No language model writes anything here, so nothing can be invented: every sentence is
copied from a chunk, and every chunk resolves to its pilot, document and section,
because an official cannot forward an uncited claim.

Word overlap alone picks the sentence that *repeats* the question; the answer is the
sentence that adds what was asked for — a figure with its unit, a year, a name — and
often the one next to the sentence that matches. A sentence's score is a weighted sum
of features (``Features``; weights in ``ScoringWeights``, measured by bench/answers.py):

- how much of the question's content it covers — jieba words, character bigrams and
  single characters, IDF-weighted over the candidate pool so that a name found in every
  sentence counts little — reading the sentence under its document title and heading
  (Chinese names the topic once and then leaves it out), and the longest stretch of the
  question it repeats verbatim;
- the retrieval score of its document;
- how many items of the asked-for kind it offers that the question lacks
  (index/question_kind.py; patterns in data/answer_patterns.txt) — a question about a
  figure, a date, a person or a place is not answered by a sentence without one — and
  whether it holds the years and figures the question names;
- the coverage of its neighbours and of the window it forms with the sentence before;
- penalties when it restates the question or adds no word of its own.

A sentence that cannot stand alone (「因此……」, or one cut off at 「；」) is shown with
the sentence before it (``join_dependent``). When the best score stays under the
threshold the evidence is thin: the answer says so (data/answer_messages.toml) and
offers the closest chunks as possibly related instead of padding an answer.
"""

from __future__ import annotations

import math
import re
import sys
import tomllib
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, fields
from functools import cache, lru_cache
from pathlib import Path

import jieba.posseg

from index.answer_model import Answer, AnswerSentence, CitationNumbers, Plan
from index.hybrid import ScoredChunk
from index.question_kind import QuestionKind, classify, cue_spans
from ingest.numbering import without_numbering
from ingest.sentences import NUMBER_WITH_UNIT, is_row_field, is_table_row, split_keeping_rows
from ingest.tokenizer import char_ngrams, configure_jieba, stopwords, words

DATA_DIR = Path(__file__).with_name("data")
PATTERNS_FILE = DATA_DIR / "answer_patterns.txt"
CONTINUATION_FILE = DATA_DIR / "continuation_cues.txt"
MESSAGES_FILE = DATA_DIR / "answer_messages.toml"

MAX_JOINED = 120  # characters: a joined pair stays the size of one long sentence
WORDS_KEPT = 4096  # texts whose jieba words are kept (~2 MB; the demo corpus has ~5k distinct sentences)
_WORD_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]")
_CLAUSE_END = ("；", ";", "：", ":")
_YEAR = re.compile(r"\d{4}\s*年")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
# Kinds whose answer is an item a sentence either holds or not: a figure, a date, a name.
FACTOID_KINDS = frozenset({QuestionKind.QUANTITY, QuestionKind.TIME, QuestionKind.PERSON, QuestionKind.PLACE})


@dataclass(frozen=True, kw_only=True)
class ScoringWeights:
    """Feature weights and the evidence threshold.

    Fitted on CMRC 2018 (pairwise logistic regression, answer sentence against the other
    candidates of its question, gold-passage and whole-corpus candidates pooled) and
    rounded; bench/answers.py reports the figures and the threshold's calibration.
    ``previous`` is negative because ``window`` already credits a sentence with the
    predecessor's match: together they reward the sentence after the one that matches
    for what it adds, not for what its neighbour says.
    """

    words: float = 0.2
    bigrams: float = 3.7
    chars: float = 4.6
    verbatim: float = 1.0
    retrieval: float = 10.4
    kind: float = 1.5
    kind_missing: float = -1.6
    figures: float = 2.1
    previous: float = -3.1
    following: float = 1.0
    window: float = 4.9
    restate: float = -1.9
    adds_nothing: float = -2.9
    # The best sentence must reach ``threshold``, else the evidence is thin: the value that
    # best separates answerable CMRC questions from the same questions asked of the wrong
    # passage or with their passage removed (balanced accuracy 0.94). A further sentence
    # must reach ``support``: what the best sentence of unrelated material typically
    # (median) scores.
    threshold: float = 15.5
    support: float = 13.0

    # How/which questions (「怎么」「有哪些做法」) are answered by sentences that describe
    # a measure in their own words rather than repeat the question, so they score lower;
    # CMRC, being mostly factoid, cannot calibrate them. They get a threshold halfway
    # between ``support`` and ``threshold`` (bench/answers.py shows the effect on refusals).
    def threshold_for(self, kind: QuestionKind) -> float:
        if kind in (QuestionKind.METHOD, QuestionKind.LIST):
            return (self.support + self.threshold) / 2
        return self.threshold


# -- candidates ---------------------------------------------------------------------
@dataclass
class Candidate:
    """One sentence of the retrieved chunks, in its document's order.

    ``sources`` index the hits the sentence comes from (a sentence in the overlap of two
    chunks comes from both); ``previous``/``following`` index the neighbouring
    candidates of the same document, None where the retrieved chunks leave a gap.
    ``text`` is what is shown: the sentence, or its predecessor and itself when it
    cannot stand alone (then ``joined`` indexes the predecessor).
    """

    sentence: str
    doc_id: str
    context: str  # the document title and heading the sentence sits under
    sources: list[int]
    retrieval: float
    previous: int | None = None
    following: int | None = None
    joined: int | None = None
    text: str = ""

    def __post_init__(self) -> None:
        self.text = self.text or self.sentence

    def members(self, index: int) -> set[int]:
        """Candidate indexes whose sentences this one shows."""
        return {index} if self.joined is None else {index, self.joined}


def _overlap(previous: list[str], current: list[str]) -> int:
    """How many leading sentences of a chunk repeat the tail of the chunk before it."""
    for size in range(min(len(previous), len(current)), 0, -1):
        if [s.strip() for s in previous[-size:]] == [s.strip() for s in current[:size]]:
            return size
    return 0


def _context(metadata: dict) -> str:
    return " ".join(str(metadata.get(key) or "") for key in ("title", "heading_path")).strip()


def candidates(hits: Sequence[ScoredChunk]) -> list[Candidate]:
    """Sentences of the hits, documents in order of their best hit, each document's chunks
    rejoined in order so that the overlap between consecutive chunks is not counted twice."""
    top = max((hit.score for hit in hits), default=0.0) or 1.0
    by_doc: dict[str, list[int]] = {}
    for index, hit in enumerate(hits):
        by_doc.setdefault(hit.record.doc_id, []).append(index)
    pool: list[Candidate] = []
    for doc_id, indexes in by_doc.items():
        # A document counts as retrieved as well as its best chunk: within one document
        # the sentences themselves tell which one answers.
        retrieval = max(max(hits[index].score for index in indexes), 0.0) / top
        indexes.sort(key=lambda index: hits[index].record.position)
        previous_sentences: list[str] = []
        previous_ids: list[int | None] = []
        previous_position: int | None = None
        for index in indexes:
            record = hits[index].record
            sentences = split_keeping_rows(record.text)
            contiguous = previous_position is not None and record.position == previous_position + 1
            skip = _overlap(previous_sentences, sentences) if contiguous else 0
            ids = previous_ids[len(previous_ids) - skip :] if skip else []
            for shared in ids:
                if shared is not None:
                    pool[shared].sources.append(index)
            last = ids[-1] if ids else (previous_ids[-1] if contiguous and previous_ids else None)
            for sentence in sentences[skip:]:
                # A row's lone field (the row is cut by the chunk's edge, and whole in the
                # chunk beside it) says nothing: 「统计口径：截至2025年底。」.
                if len(_WORD_CHAR.findall(sentence)) < 2 or is_row_field(sentence):
                    ids.append(None)
                    last = None
                    continue
                pool.append(Candidate(sentence.strip(), doc_id, _context(record.metadata), [index], retrieval, last))
                current = len(pool) - 1
                if last is not None:
                    pool[last].following = current
                last = current
                ids.append(current)
            previous_sentences, previous_ids, previous_position = sentences, ids, record.position
    return pool


@cache
def continuation_pattern() -> re.Pattern[str]:
    cues = [cue for cue in _data_words(CONTINUATION_FILE)]
    return re.compile(r"^[\s“‘「『（(]*(?:" + "|".join(map(re.escape, sorted(cues, key=len, reverse=True))) + ")")


def join_dependent(pool: list[Candidate]) -> None:
    """Show a sentence that cannot stand alone together with the one before it.

    A sentence that opens by referring back (「因此」「其」「这」「赛后」…, listed in
    data/continuation_cues.txt), or that follows a clause break (「；」「：」, where
    split_sentences cuts too), is read with its predecessor as long as the pair stays
    under ``MAX_JOINED`` characters: 「因此它也被称为笨蛋水果。」 alone answers nothing.
    The predecessor remains a candidate of its own."""
    pattern = continuation_pattern()
    for candidate in pool:
        if candidate.previous is None:
            continue
        before = pool[candidate.previous]
        if is_table_row(candidate.sentence):  # a row stands alone (its 「指标」 is not the cue 「指」)
            continue
        dependent = pattern.match(candidate.sentence) or before.sentence.rstrip().endswith(_CLAUSE_END)
        if dependent and len(before.sentence) + len(candidate.sentence) <= MAX_JOINED:
            candidate.text = before.sentence + candidate.sentence
            candidate.joined = candidate.previous


# -- data files ---------------------------------------------------------------------
def _data_words(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [word for line in lines if line.strip() and not line.lstrip().startswith("#") for word in line.split()]


@dataclass(frozen=True)
class AnswerPatterns:
    regexes: dict[QuestionKind, tuple[re.Pattern[str], ...]]
    tags: dict[QuestionKind, frozenset[str]]
    figures: tuple[re.Pattern[str], ...] = ()  # what counts as a number a question names


def parse_patterns(text: str) -> AnswerPatterns:
    """``kind: regex``, ``kind: @pos-tag`` and ``figure: regex`` lines (see
    data/answer_patterns.txt)."""
    regexes: dict[QuestionKind, list[re.Pattern[str]]] = {}
    tags: dict[QuestionKind, set[str]] = {}
    figures: list[re.Pattern[str]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, pattern = line.partition(":")
        pattern = pattern.strip()
        if name.strip() == "figure":
            figures.append(re.compile(pattern))
            continue
        kind = QuestionKind(name.strip())
        if pattern.startswith("@"):
            tags.setdefault(kind, set()).add(pattern[1:])
        else:
            regexes.setdefault(kind, []).append(re.compile(pattern))
    return AnswerPatterns(
        {kind: tuple(found) for kind, found in regexes.items()},
        {kind: frozenset(found) for kind, found in tags.items()},
        tuple(figures),
    )


@cache
def answer_patterns() -> AnswerPatterns:
    return parse_patterns(PATTERNS_FILE.read_text(encoding="utf-8"))


@cache
def messages() -> dict[str, str]:
    return tomllib.loads(MESSAGES_FILE.read_text(encoding="utf-8"))


# -- features -----------------------------------------------------------------------
def question_content(question: str) -> str:
    """The question without its question words and function words (其他、是、的 …):
    what a passage would share with it. Character features would otherwise count
    filler like 「其他…是…的」 as content no answer repeats."""
    text = question
    for span in reversed([span for span in cue_spans(question) if not span.cue.topic]):
        text = text[: span.start] + "，" + text[span.end :]
    configure_jieba()
    stop = stopwords()
    return "".join("，" if word in stop else word for word in jieba.lcut(text))


Terms = tuple[frozenset[str], set[str], set[str]]


def _terms(text: str) -> Terms:
    """A text's jieba words, character bigrams and characters."""
    return frozenset(_words(text)), _bigrams(text), _chars(text)


@lru_cache(maxsize=WORDS_KEPT)
def _words(text: str) -> tuple[str, ...]:
    """jieba's words of a text, kept for the texts read last.

    Why: cutting the ~200 candidate sentences of an answer with jieba was a third of an
    /ask's CPU (py-spy under bench/load.py), and the same chunks come back for related
    questions; the words depend on the text alone (the user dictionary is fixed). Kept
    as a tuple of interned strings, an entry takes ~0.6 KB where the three term sets
    took ~8 KB."""
    return tuple(sys.intern(word) for word in words(text))


def _bigrams(text: str) -> set[str]:
    return {gram for gram in char_ngrams(text, unigrams=False) if len(gram) == 2 or gram.isascii()}


def _chars(text: str) -> set[str]:
    return set(_WORD_CHAR.findall(text))


def kind_offers(kind: QuestionKind, sentence: str, question: str, patterns: AnswerPatterns | None = None) -> float:
    """How many distinct items of the asked-for kind the sentence holds that the question
    does not (a figure with its unit for a quantity, a date for a time, a name for a
    person or place): repeating the question's own figure or name answers nothing.
    A bare number asked as a quantity counts half."""
    patterns = patterns or answer_patterns()
    items: dict[str, float] = {}
    if kind == QuestionKind.QUANTITY:
        for match in NUMBER_WITH_UNIT.finditer(sentence):
            figure = match.group(0).strip()
            if figure and figure not in question and not _YEAR.fullmatch(figure):
                items[figure] = max(items.get(figure, 0.0), 0.5 if figure[-1].isdigit() else 1.0)
    for regex in patterns.regexes.get(kind, ()):
        for match in regex.finditer(sentence):
            if match.group(0) and match.group(0) not in question:
                items[match.group(0)] = 1.0
    tags = patterns.tags.get(kind)
    if tags:
        for pair in jieba.posseg.lcut(sentence):
            if pair.flag in tags and len(pair.word) > 1 and pair.word not in question:
                items[pair.word] = 1.0
    return sum(items.values())


def figures_matched(question: str, text: str, patterns: AnswerPatterns | None = None) -> float:
    """Share of the question's numbers (years, periods, figures, and ordinals such as
    「二期」 from data/answer_patterns.txt) that the text contains: 「2024年上半年」 and
    「2025年上半年」, or 「一期装置」 and 「二期装置」, share every word but one."""
    patterns = patterns or answer_patterns()
    numbers = set(_DIGITS.findall(question))
    ordinals = {match.group(0) for regex in patterns.figures for match in regex.finditer(question)}
    if not numbers and not ordinals:
        return 0.0
    found = sum(1 for number in numbers if re.search(rf"(?<![\d.]){re.escape(number)}(?!\d)", text))
    found += sum(1 for ordinal in ordinals if ordinal in text)
    return found / (len(numbers) + len(ordinals))


def _idf(pool: Sequence[AbstractSet[str]]) -> dict[str, float]:
    frequency: dict[str, int] = {}
    for terms in pool:
        for term in terms:
            frequency[term] = frequency.get(term, 0) + 1
    count = len(pool)
    return {term: math.log(1.0 + (count - df + 0.5) / (df + 0.5)) for term, df in frequency.items()}


def _coverage(query: AbstractSet[str], terms: AbstractSet[str], idf: dict[str, float], unseen: float) -> float:
    total = sum(idf.get(term, unseen) for term in query)
    return sum(idf.get(term, unseen) for term in query & terms) / total if total > 0 else 0.0


def _longest_common(a: str, b: str) -> int:
    """Length of the longest common substring."""
    best = 0
    previous = [0] * (len(b) + 1)
    for char_a in a:
        current = [0] * (len(b) + 1)
        for j, char_b in enumerate(b, start=1):
            if char_a == char_b:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


@dataclass
class Features:
    words: float
    bigrams: float
    chars: float
    verbatim: float
    retrieval: float
    kind: float
    kind_missing: float
    figures: float
    previous: float
    following: float
    window: float
    restate: float
    adds_nothing: float


FEATURE_NAMES = tuple(f.name for f in fields(Features))


def features(question: str, kind: QuestionKind, pool: Sequence[Candidate]) -> list[Features]:
    """Feature values of every candidate (see the module docstring)."""
    configure_jieba()
    content = question_content(question)
    query = _terms(content)
    query_text = "".join(_WORD_CHAR.findall(content))
    # A sentence is read under its document title and heading: Chinese names the topic
    # once and then leaves it out, so 「花瓣倒卵形」 is about the plant in the title.
    context_terms = {text: _terms(text) for text in {candidate.context for candidate in pool}}
    own = [_terms(c.text) for c in pool]
    terms = [
        tuple(o | x for o, x in zip(own_terms, context_terms[c.context], strict=True))
        for c, own_terms in zip(pool, own, strict=True)
    ]
    idf = [_idf([t[level] for t in terms]) for level in range(3)]
    unseen = math.log(1.0 + (len(pool) + 0.5) / 0.5)

    def cover(level: int, found: AbstractSet[str]) -> float:
        return _coverage(query[level], found, idf[level], unseen)

    match = [(cover(0, t[0]) + cover(1, t[1])) / 2 for t in terms]
    rows = []
    for index, candidate in enumerate(pool):
        t = terms[index]
        window = match[index]
        if candidate.previous is not None:
            before = terms[candidate.previous]
            window = (cover(0, t[0] | before[0]) + cover(1, t[1] | before[1])) / 2
        new_words = own[index][0] - query[0]
        offers = kind_offers(kind, candidate.text, question)
        novelty = len(new_words) / max(1, len(own[index][0]))
        rows.append(
            Features(
                words=cover(0, t[0]),
                bigrams=cover(1, t[1]),
                chars=cover(2, t[2]),
                verbatim=_longest_common(query_text, "".join(_WORD_CHAR.findall(candidate.text)))
                / max(1, len(query_text)),
                retrieval=candidate.retrieval,
                kind=1.0 - 0.5**offers,
                kind_missing=float(kind in FACTOID_KINDS and offers == 0),
                figures=figures_matched(question, candidate.text + " " + candidate.context),
                previous=match[candidate.previous] if candidate.previous is not None else 0.0,
                following=match[candidate.following] if candidate.following is not None else 0.0,
                window=window,
                restate=match[index] * max(0.0, 1.0 - novelty / 0.5),
                adds_nothing=float(not (new_words - context_terms[candidate.context][0])),
            )
        )
    return rows


def score(row: Features, weights: ScoringWeights) -> float:
    return sum(getattr(weights, name) * getattr(row, name) for name in FEATURE_NAMES)


# -- the answer ---------------------------------------------------------------------
@dataclass(frozen=True)
class Ranked:
    """A candidate with its score, as ``rank`` returns them."""

    index: int
    candidate: Candidate
    score: float


def rank(
    question: str, hits: Sequence[ScoredChunk], weights: ScoringWeights | None = None, kind: QuestionKind | None = None
) -> list[Ranked]:
    """Every candidate sentence of the hits, best first (joined pairs included)."""
    weights = weights or ScoringWeights()
    pool = candidates(hits)
    if not pool:
        return []
    join_dependent(pool)
    rows = features(question, kind or classify(question), pool)
    ranked = [
        Ranked(index, candidate, score(row, weights))
        for index, (candidate, row) in enumerate(zip(pool, rows, strict=True))
    ]
    return sorted(ranked, key=lambda item: item.score, reverse=True)


def select(ranked: Sequence[Ranked], limit: int) -> list[tuple[Ranked, list[Ranked]]]:
    """The best ``limit`` candidates that show no sentence twice; each comes with the
    candidates of other documents that say exactly the same thing (cited as well)."""
    chosen: list[tuple[Ranked, list[Ranked]]] = []
    shown: set[int] = set()
    for item in ranked:
        members = item.candidate.members(item.index)
        if members & shown:
            continue
        same = next((entry for entry in chosen if entry[0].candidate.text == item.candidate.text), None)
        if same is not None:
            same[1].append(item)
            shown |= members
            continue
        if len(chosen) == limit:
            continue
        chosen.append((item, []))
        shown |= members
    return chosen


def _sources(item: Ranked, pool_of: dict[int, Candidate]) -> list[int]:
    """The hit each shown sentence is cited from: its best-ranked chunk."""
    return sorted({min(pool_of[member].sources) for member in item.candidate.members(item.index)})


def answer(
    question: str,
    hits: Sequence[ScoredChunk],
    *,
    weights: ScoringWeights | None = None,
    max_sentences: int = 3,
    max_related: int = 3,
    scoring_question: str | None = None,
    leeway: float = 0.0,
) -> Answer:
    """Answer ``question`` from the retrieved ``hits`` (as ``KnowledgeBase.search`` returns
    them, best first) with at most ``max_sentences`` cited sentences grouped by pilot, or
    say that the evidence is thin and offer up to ``max_related`` chunks instead.

    Sentences are scored against ``scoring_question`` when given (the question without
    words every candidate is known to share); the answer and its messages quote ``question``.
    ``leeway`` lowers the evidence threshold for a caller that checks the evidence in
    other ways; ``evidence["sentence_score"]`` stays the margin over the full threshold."""
    weights = weights or ScoringWeights()
    text = messages()
    scored = scoring_question or question
    kind = classify(scored)
    ranked = rank(scored, hits, weights, kind)
    pool_of = {item.index: item.candidate for item in ranked}
    citations = CitationNumbers()
    content = question_content(scored)
    has_content = bool(words(content) or _chars(content))
    best = ranked[0].score if ranked else float("-inf")
    if not ranked or not has_content or best < weights.threshold_for(kind) - leeway:
        for item in ranked:
            for source in _sources(item, pool_of):
                if len(citations.citations) < max_related:
                    citations.number(hits[source].record)
        note = text["not_found"].format(question=question.strip()) if has_content else text["empty_question"]
        return Answer(
            question,
            kind,
            found=False,
            plan=Plan.FACT,
            related=citations.citations,
            note=note,
            evidence={"sentence_score": best - weights.threshold_for(kind)},
        )
    groups: dict[str, list[AnswerSentence]] = {}
    for item, duplicates in select(ranked, max_sentences):
        if item is not ranked[0] and item.score < weights.support:
            break
        sources = [source for entry in (item, *duplicates) for source in _sources(entry, pool_of)]
        numbers = tuple(sorted({citations.number(hits[source].record) for source in sources}))
        # A programme document belongs to no pilot: its title names the group.
        source_meta = hits[min(item.candidate.sources)].record.metadata
        pilot = str(source_meta.get("pilot") or source_meta.get("title") or "")
        sentence = AnswerSentence(without_numbering(item.candidate.text), numbers, item.score)
        groups.setdefault(pilot or text["no_pilot"], []).append(sentence)
    return Answer(
        question,
        kind,
        found=True,
        plan=Plan.FACT,
        groups=groups,
        citations=citations.citations,
        note=text["found"],
        evidence={"sentence_score": best - weights.threshold_for(kind)},
    )
