"""Answering a question: choose a plan, gather evidence, answer or refuse.

One entry point for the API, the CLI and the bench. The question is first read in
matching form with homophone typos corrected (both said to the user), its topic words
weighed (index/question_terms.py) and its scope read (a pilot type or a pilot it
names). Then the plan (index/question_plan.py):

- practice: practices per pilot (index/practice_answers.py); when no practice covers
  the topic, the sentence answer below;
- compare: a table of one indicator across pilots (index/figure_tables.py); without
  comparable figures, the sentence answer;
- status: targets against the latest reported figures, with the practices credited
  for them (index/target_answers.py), when the question asks whether targets are met;
- status otherwise, and fact: the sentences that state it (index/extractive.py).

Every plan refuses rather than pads. A question whose heaviest topic words the corpus
never uses is refused outright, naming them; the sentence answer must also mention
the topic words it is asked about (a question about a cost is not answered by the
sentence giving the size beside it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from index.answer_model import Answer, AnswerSentence, Citation, CitationNumbers, Correction, Plan
from index.catalog import ChunkRecord
from index.chunk_table import ChunkTable
from index.colloquial_measures import read_measures
from index.extractive import ScoringWeights, answer_patterns, messages
from index.extractive import answer as extractive_answer
from index.figure_tables import figure_table, question_periods
from index.filters import SearchFilters
from index.hybrid import ScoredChunk
from index.measure_units import states_measure
from index.practice_answers import PracticeThresholds, choose, match_practices, practice_answers
from index.practice_catalog import PracticeCatalog
from index.progress import PilotReporting, TargetRecord
from index.question_kind import QuestionKind, classify
from index.question_plan import choose_plan
from index.question_scope import Scope, question_scope
from index.question_terms import (
    TermStats,
    Topic,
    coverage,
    heaviest_credit,
    missing_terms,
    quantity_focus,
    term_credit,
    topic,
)
from index.reporting_answers import asks_about_reporting, reporting_answer
from index.target_answers import TargetAnswers, asks_about_targets, names_a_target
from ingest.domain import REPORT_DOC_TYPE
from ingest.extracted import Practice, PracticeSource
from ingest.matching_form import fold
from ingest.practices import strip_numbering

Search = Callable[[str, SearchFilters, int], list[ScoredChunk]]
PRACTICE_SEARCH_DEPTH = 40
MAX_SENTENCES = 3
# A quantity question looks further down the ranked sentences for one naming its measure.
FOCUS_POOL = 6


@dataclass(frozen=True, kw_only=True)
class EvidenceThresholds:
    """Refusal bars, calibrated on the domain questions and CMRC (bench/domain.py,
    bench/answers.py). ``unknown_share``: refuse when topic words no chunk uses carry
    this share of the topic's weight. ``fact_coverage``: the sentence answer's best
    sentence, read with its section, must mention this share of the topic weight."""

    unknown_share: float = 0.6
    fact_coverage: float = 0.35
    # The sentence answer must earn this credit on the heaviest topic word. Off (0): on
    # the domain questions it refused four paraphrased answers (股比 for 出资比例) for
    # every near miss it caught (bench/domain.py --calibrate records it).
    heaviest_credit: float = 0.0
    # A quantity question's measure (「总投资」 in 「中试装置总投资是多少」) must be in the
    # answer sentence or its section: the size stated beside it is no answer.
    focus_credit: float = 0.3
    # The sentence answer may score up to ``sentence_leeway`` under the extractive
    # threshold (calibrated on CMRC's factoid questions) when its sentence, read with its
    # section, covers ``leeway_coverage`` of the topic: domain questions are long and
    # colloquial and score lower for wording alone.
    sentence_leeway: float = 1.5
    leeway_coverage: float = 0.8
    practice: PracticeThresholds = PracticeThresholds()
    # Calibration only: gather the evidence of every path, whatever is decided.
    record_all: bool = False


@dataclass
class Answerer:
    search: Search
    catalog: PracticeCatalog
    table: ChunkTable
    stats: TermStats
    pilots: list[dict]
    practice_texts: dict[str, str]
    practice_chunks: dict[str, list[ChunkRecord]]
    weights: ScoringWeights = ScoringWeights()
    thresholds: EvidenceThresholds = EvidenceThresholds()
    targets: list[TargetRecord] = field(default_factory=list)
    # The reporting matrix (half-years, each pilot's reports), read only when asked.
    reporting: Callable[[], tuple[list[str], list[PilotReporting]]] = lambda: ([], [])

    def answer(
        self,
        question: str,
        read_as: str,
        corrections: Sequence[Correction],
        filters: SearchFilters | None = None,
        top_k: int = 8,
    ) -> Answer:
        """Answer ``question`` (as asked), reading it as ``read_as`` (matching form,
        typos corrected)."""
        filters = filters or SearchFilters()
        read_as = read_measures(read_as)
        kind = classify(read_as)
        plan = choose_plan(read_as, kind)
        scope = question_scope(read_as, self.pilots)
        scoped = _scoped_filters(filters, scope)
        question_topic = topic(scope.without_names(read_as), self.stats)
        result: Answer | None = None
        evidence: dict[str, float] = {"unknown_share": _unknown_share(question_topic)}
        if evidence["unknown_share"] >= self.thresholds.unknown_share:
            result = self._refuse_unknown(question, read_as, question_topic, scoped, kind)
        elif asks_about_reporting(read_as):
            columns, rows = self.reporting()
            pilot_ids = self._pilots_in_scope(scoped, scope)
            result = reporting_answer(question, read_as, kind, columns, rows, pilot_ids, self.table)
        if result is None and evidence["unknown_share"] < self.thresholds.unknown_share:
            if plan is Plan.PRACTICE:
                result = self._practices(question, read_as, question_topic, scoped, filters, scope, kind, evidence)
            elif self.targets and (asks_about_targets(read_as) or (plan is Plan.STATUS and names_a_target(read_as))):
                # 「腾沙绿电占比45%的目标有戏吗」: the target and the latest reported figure
                # answer it; a report sentence may be a half-year old.
                result = self._targets(question, read_as, question_topic, scoped, scope, kind)
            elif plan is Plan.COMPARE:
                result = self._compare(question, read_as, question_topic, scoped, scope, kind)
        if self.thresholds.record_all and result is not None:
            self._sentences(question, read_as, question_topic, scoped, filters, top_k, evidence)
        if result is None:
            result = self._latest(question, read_as, question_topic, scoped, scope, top_k, evidence)
        if result is None:
            result = self._sentences(question, read_as, question_topic, scoped, filters, top_k, evidence)
            result.plan = plan if plan in (Plan.FACT, Plan.STATUS) else Plan.FACT
            if not result.found and self.targets and names_a_target(read_as):
                # 「PUE才1.17，是不是已经达到1.20以下的目标了」: no report sentence says so in
                # those words, but the pilot's target and its latest reported figure do.
                result = self._targets(question, read_as, question_topic, scoped, scope, kind) or result
        result.evidence = evidence
        result.kind = kind
        result.corrections = list(corrections)
        if corrections:
            text = messages()["corrected"]
            result.note = "".join(text.format(typed=c.typed, meant=c.meant) for c in corrections) + result.note
        return result

    # -- plans ------------------------------------------------------------------------
    def _practices(
        self,
        question: str,
        read_as: str,
        question_topic: Topic,
        scoped: SearchFilters,
        filters: SearchFilters,
        scope: Scope,
        kind,
        evidence: dict[str, float],
    ) -> Answer | None:
        for attempt in _widening(scoped, filters, scope):
            hits = self.search(read_as, attempt, PRACTICE_SEARCH_DEPTH)
            candidates = self._candidate_practices(attempt, scope)
            matches = match_practices(question_topic, hits, candidates, self.practice_texts, self.practice_chunks)
            best = max((match.coverage for match in matches), default=0.0)
            evidence["practice_coverage"] = max(evidence.get("practice_coverage", 0.0), best)
            chosen = choose(matches, self.thresholds.practice)
            if chosen:
                citations = CitationNumbers()
                practices = practice_answers(chosen, question_topic, citations)
                if practices:
                    groups: dict[str, list] = {}
                    for practice in practices:
                        groups.setdefault(practice.pilot, []).extend(practice.sentences())
                    return Answer(
                        question,
                        kind,
                        found=True,
                        plan=Plan.PRACTICE,
                        groups=groups,
                        practices=practices,
                        citations=citations.citations,
                        note=messages()["found_practices"],
                    )
        return None

    def _compare(
        self, question: str, read_as: str, question_topic: Topic, scoped: SearchFilters, scope: Scope, kind
    ) -> Answer | None:
        pilot_ids = self._pilots_in_scope(scoped, scope)
        citations = CitationNumbers()
        table = figure_table(
            read_as,
            question_topic,
            self.catalog.figures_by_doc,
            self.catalog.doc_meta,
            self.table,
            citations,
            pilot_ids,
        )
        if table is None:
            return None
        note = messages()["found_table"]
        return Answer(
            question, kind, found=True, plan=Plan.COMPARE, table=table, citations=citations.citations, note=note
        )

    def _targets(
        self, question: str, read_as: str, question_topic: Topic, scoped: SearchFilters, scope: Scope, kind
    ) -> Answer | None:
        """Targets with the status the question asks about (index/target_answers.py), and
        each pilot's tally of a year's targets when it names no indicator; None (the
        sentence answer) when no target in scope names its topic."""
        targets = TargetAnswers(self.table)
        pilot_ids = self._pilots_in_scope(scoped, scope)
        citations = CitationNumbers()
        tallies = targets.tallies(read_as, question_topic, self.targets, pilot_ids, self.catalog.doc_meta, citations)
        # With the tallies shown, the targets worth a card are those not met in their year.
        unmet = {target_id for tally in tallies for target_id in tally.unmet_ids}
        records = [r for r in self.targets if r.target_id in unmet] if tallies else self.targets
        answers = targets.answer(read_as, question_topic, records, pilot_ids, citations, any_status=bool(tallies))
        if not answers and not tallies:
            return None
        groups: dict[str, list[AnswerSentence]] = {}
        for tally in tallies:
            groups[tally.pilot] = [tally.statement] if tally.statement is not None else []
        for item in answers:
            group = groups.setdefault(item.pilot, [])
            latest = [item.latest] if item.latest is not None else []
            for sentence in [item.target, *latest, *(sentence for _, sentence in item.practices)]:
                if all(sentence.text != shown.text for shown in group):  # targets may share a plan sentence
                    group.append(sentence)
        return Answer(
            question,
            kind,
            found=True,
            plan=Plan.STATUS,
            groups={pilot: sentences for pilot, sentences in groups.items() if sentences},
            targets=answers,
            tallies=tallies,
            citations=citations.citations,
            note=messages()["found_targets"],
        )

    def _pilots_in_scope(self, filters: SearchFilters, scope: Scope) -> list[str]:
        """The pilots a comparison runs over: those the question names, else those the
        filters (or the pilot type the question names) allow."""
        if len(scope.pilot_ids) > 1:
            return list(scope.pilot_ids)
        return [
            pilot["pilot_id"]
            for pilot in self.pilots
            if (filters.pilot_id is None or pilot["pilot_id"] == filters.pilot_id)
            and (filters.pilot_type is None or pilot["pilot_type"] == filters.pilot_type)
            and (filters.region is None or pilot["region"] == filters.region)
        ]

    def _candidate_practices(self, filters: SearchFilters, scope: Scope) -> list[Practice]:
        """The practices the filters (and the pilots the question names) allow; a
        document filter keeps practices with a source of that kind or period."""
        found = self.catalog.find(
            pilot_type=filters.pilot_type, field=filters.field, region=filters.region, pilot_id=filters.pilot_id
        )
        if len(scope.pilot_ids) > 1:
            found = [p for p in found if p.pilot_id in scope.pilot_ids]
        if filters.doc_type or filters.period or filters.year:
            found = [p for p in found if any(_source_matches(source, filters) for source in p.sources)]
        return found

    def _sentences(
        self,
        question: str,
        read_as: str,
        question_topic: Topic,
        scoped: SearchFilters,
        filters: SearchFilters,
        top_k: int,
        evidence: dict[str, float],
    ) -> Answer:
        hits = self.search(read_as, scoped, top_k) or self.search(read_as, filters, top_k)
        focus = quantity_focus(read_as, question_topic)
        result = extractive_answer(
            question,
            hits,
            weights=self.weights,
            scoring_question=_scoring(read_as, scoped),
            max_sentences=FOCUS_POOL if focus else MAX_SENTENCES,
            leeway=self.thresholds.sentence_leeway,
        )
        evidence.update(result.evidence)
        if not result.found:
            return result
        if result.kind is QuestionKind.QUANTITY:
            number = _MONEY if _ASKS_MONEY.search(read_as) else _NUMBER
            numbered = [sentence for sentence in result.sentences() if number.search(sentence.text)]
            if not numbered:  # 「要多少钱」 is not answered by 「成本较高」
                evidence["has_number"] = 0.0
                return self._refusal(question, result.citations, [], result.kind, unknown=False)
            _keep_only(result, numbered)
        if focus:
            kept = self._mentioning(result, focus)
            evidence["focus_credit"] = 1.0 if kept else 0.0
            if not kept:
                return self._refusal(question, result.citations, focus, result.kind, unknown=False)
            _keep_only(result, kept[:MAX_SENTENCES])
        asked_periods = question_periods(read_as)
        whole_year = "全年" in read_as
        if asked_periods:
            # 「2025年度核查结果」: the best sentence may be the year before's (「完成2024年度
            # 核查」); the answer is the best one about the period asked.
            in_period = [
                sentence
                for sentence in result.sentences()
                if any(
                    self._states_period(period, sentence.text, _cited(sentence, result.citations), whole_year)
                    for period in asked_periods
                )
            ]
            if not in_period:
                evidence["period_matched"] = 0.0
                missing = [_period_words(period, whole_year) for period in sorted(asked_periods)]
                return self._refusal(question, result.citations, missing, result.kind, unknown=False)
            _keep_only(result, in_period)
        best = result.sentences()[0]
        cited = _cited(best, result.citations)
        ordinals = _ordinals(read_as)
        evidence_text = _evidence_text(best, cited)
        # A measure stated by its unit (「5分钟」 for 时间) counts as mentioned.
        evidence_text += "".join(f" {term}" for term in focus if states_measure(term, best.text))
        absent = [ordinal for ordinal in ordinals if ordinal not in evidence_text]
        if absent:  # 「CCUS三期」 is not answered by a sentence about 二期
            evidence["ordinal_matched"] = 0.0
            return self._refusal(question, result.citations, absent, result.kind, unknown=False)
        if not question_topic.terms:
            return result
        evidence["fact_coverage"] = coverage(question_topic, evidence_text)
        evidence["heaviest_credit"] = heaviest_credit(question_topic, evidence_text)
        below_full_bar = evidence.get("sentence_score", 0.0) < 0
        needed = self.thresholds.leeway_coverage if below_full_bar else self.thresholds.fact_coverage
        if evidence["fact_coverage"] < needed or evidence["heaviest_credit"] < self.thresholds.heaviest_credit:
            missing = missing_terms(question_topic, evidence_text)
            return self._refusal(question, result.citations or result.related, missing, result.kind, unknown=False)
        return result

    def _latest(
        self,
        question: str,
        read_as: str,
        question_topic: Topic,
        scoped: SearchFilters,
        scope: Scope,
        top_k: int,
        evidence: dict[str, float],
    ) -> Answer | None:
        """「翠柳社区公共充电桩现在有多少个」: one pilot's figure as of now is its latest
        report's, not the plan's target nor a report a year old (the answer gave 2024H2's
        326 beside the plan's 500, while 2026H1's report says 536). The pilot's latest
        reports are asked in turn; None when the question names a period, no single pilot,
        or when neither report answers it (the ordinary answer follows)."""
        if not _NOW.search(read_as) or question_periods(read_as):
            return None
        pilot_id = scoped.pilot_id or (scope.pilot_ids[0] if len(scope.pilot_ids) == 1 else None)
        if pilot_id is None:
            return None
        for period in self._report_periods(pilot_id)[:RECENT_REPORTS_ASKED]:
            tried = dict(evidence)
            recent = replace(scoped, pilot_id=pilot_id, period=period)
            result = self._sentences(question, read_as, question_topic, recent, recent, top_k, tried)
            if result.found:
                evidence.update(tried)
                result.plan = Plan.FACT
                result.note = messages()["latest_report"].format(period=_period_words(period)) + result.note
                return result
        return None

    def _report_periods(self, pilot_id: str) -> list[str]:
        """The half-years of the pilot's progress reports, latest first."""
        periods = {
            str(meta["period"])
            for meta in self.catalog.doc_meta.values()
            if meta.get("pilot_id") == pilot_id and meta.get("doc_type") == REPORT_DOC_TYPE and meta.get("period")
        }
        return sorted(periods, reverse=True)

    def _mentioning(self, result: Answer, focus: list[str]) -> list[AnswerSentence]:
        """The answer's sentences, best first, that mention the quantity's measure (with
        their section): 「总投资是多少」 is not answered by the sentence giving the size."""
        kept = []
        for sentence in result.sentences():
            text = _evidence_text(sentence, _cited(sentence, result.citations))
            by_name = max(term_credit(term, text) for term in focus) >= self.thresholds.focus_credit
            if by_name or any(states_measure(term, sentence.text) for term in focus):
                kept.append(sentence)
        return kept

    def _states_period(self, period: str, sentence: str, cited: list[Citation], whole_year: bool = False) -> bool:
        """The sentence is about ``period`` (2024H1 or 2024): it names it, or it names no
        year and its document reports on that period. For a question about a whole
        year (「2026年全年」) a half-year figure of that year is not the answer."""
        if whole_year and re.search(rf"{period}\s*年\s*(?:上半年|下半年|1[—\-－~～至]\d+月)", sentence):
            return False
        if _period_words(period) in sentence or (len(period) == 4 and f"{period}年" in sentence):
            return True
        if len(period) == 6 and re.search(_HALF_YEAR_NAMED[period[-1]].format(year=period[:4]), sentence):
            return True  # 「2026年1—6月」「截至2026年6月底」, as an indicator table's 统计口径 says it
        if YEAR_IN_TEXT.search(sentence):
            return False
        for citation in cited:
            record = self.table.get(citation.chunk_id)
            meta = record.metadata if record is not None else {}
            if meta.get("period") == period or (str(meta.get("year", "")) == period[:4] and len(period) == 4):
                return True
        return False

    def _refuse_unknown(
        self, question: str, read_as: str, question_topic: Topic, scoped: SearchFilters, kind
    ) -> Answer:
        citations = CitationNumbers()
        for hit in self.search(read_as, scoped, 3):
            citations.number(hit.record)
        return self._refusal(question, citations.citations, list(question_topic.unknown), kind)

    def _refusal(
        self, question: str, related: list[Citation], missing: list[str], kind, unknown: bool = True
    ) -> Answer:
        """Say what is missing — words no document uses (``unknown``), or words the closest
        material does not mention — and offer that material."""
        text = messages()
        if missing:
            template = text["missing_terms"] if unknown else text["not_mentioned"]
            note = template.format(terms="”“".join(missing), question=question.strip())
        else:
            note = text["not_found"].format(question=question.strip())
        related = related[:3]
        if related and missing:
            note += text["nearest"].format(topic=_about(related[0]))
        return Answer(question, kind, found=False, related=related, missing=missing, note=note)


YEAR_IN_TEXT = re.compile(r"20\d{2}\s*年")
# 「现在」「目前」「最新」: the question asks how things stand now (Answerer._latest).
_NOW = re.compile(r"现在|目前|当前|眼下|如今|至今|现阶段|最新|最近")
# How many of a pilot's latest reports a question about now is put to, latest first.
RECENT_REPORTS_ASKED = 2
_TO = r"\s*[—\-－~～至到]\s*"
# How a report names a half-year besides 上半年 / 下半年: by its months, or by the date a
# total runs to (「截至2026年6月底」 is the first half's; 「截至2025年底」 the second's).
_HALF_YEAR_NAMED = {
    "1": r"{year}\s*年\s*(?:1" + _TO + r"6\s*月|6\s*月\s*(?:底|末|30日))",
    "2": r"{year}\s*年\s*(?:7" + _TO + r"12\s*月|12\s*月\s*(?:底|末|31日)|底|末)",
}
# A number as an answer states it: digits, or a Chinese numeral before a measure word.
_NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万]+[个座台辆家项户人次口吨亩处批期栋所条]")
# ... and a question about money (「要多少钱」「造价多少」) by an amount in 元.
_ASKS_MONEY = re.compile(r"多少钱|几块钱|费用|价格|价钱|成本|造价|电价|售价|单价|租金|投资|资金|补贴|花了多少")
_MONEY = re.compile(r"\d[\d,.]*\s*(?:万|亿)?元")


def _period_words(period: str, whole_year: bool = False) -> str:
    """2024H1 -> 2024年上半年; 2024 -> 2024年 (2024年全年)."""
    if len(period) == 6:
        return f"{period[:4]}年{'上' if period.endswith('1') else '下'}半年"
    return f"{period}年全年" if whole_year else f"{period}年"


def _ordinals(question: str) -> list[str]:
    """The ordinals the question names (「三期」「第二批」), as data/answer_patterns.txt defines them."""
    return [match.group(0) for regex in answer_patterns().figures for match in regex.finditer(question)]


def _cited(sentence: AnswerSentence, citations: list[Citation]) -> list[Citation]:
    return [c for c in citations if c.n in sentence.citations]


def _evidence_text(sentence: AnswerSentence, cited: list[Citation]) -> str:
    """A sentence read with the title and section it sits in, in matching form."""
    return fold(" ".join([sentence.text, *(f"{c.title} {c.heading_path}" for c in cited)])).lower()


def _keep_only(result: Answer, kept: list[AnswerSentence]) -> None:
    """Drop the answer's other sentences (groups keep their order)."""
    wanted = {id(sentence) for sentence in kept}
    groups = {pilot: [s for s in sentences if id(s) in wanted] for pilot, sentences in result.groups.items()}
    result.groups = {pilot: sentences for pilot, sentences in groups.items() if sentences}


def _about(citation: Citation) -> str:
    """What a chunk is about, for 「最接近的材料是关于……的」: its section title."""
    heading = citation.heading_path.split(" > ")[-1] if citation.heading_path else citation.title
    return f"{citation.pilot}：{strip_numbering(heading)}" if citation.pilot else heading


def _unknown_share(question_topic: Topic) -> float:
    """Share of the topic's weight carried by words no chunk uses; 1 when every word
    that could name the topic is unused (「感冒发烧吃什么药」)."""
    if not question_topic.terms and question_topic.dropped:
        return 1.0
    total = question_topic.total()
    unknown = sum(
        max(question_topic.weights[i] for i in members)
        for members in question_topic.group_of()
        if all(question_topic.terms[i] in question_topic.unknown for i in members)
    )
    return unknown / total if total > 0 else 0.0


def _source_matches(source: PracticeSource, filters: SearchFilters) -> bool:
    if filters.doc_type and source.doc_type != filters.doc_type:
        return False
    if filters.period and source.period != filters.period:
        return False
    year = source.period[:4] if source.period else source.date[:4]
    return not filters.year or year == str(filters.year)


def _scoped_filters(filters: SearchFilters, scope: Scope) -> SearchFilters:
    """The user's filters, narrowed to what the question names when they leave it open."""
    if filters.pilot_id is None and len(scope.pilot_ids) == 1:
        return replace(filters, pilot_id=scope.pilot_ids[0])
    if filters.pilot_type is None and filters.pilot_id is None and scope.pilot_type:
        return replace(filters, pilot_type=scope.pilot_type)
    return filters


def _widening(scoped: SearchFilters, filters: SearchFilters, scope: Scope) -> list[SearchFilters]:
    """The filters to try in turn: what the question names, then the user's own. A pilot
    the question names is never widened away: other pilots' practices answer nothing
    about 凤鸣区; a pilot type it names may be (a 园区 practice may suit a question about
    城市 when no 城市 practice covers it)."""
    if scoped == filters or scope.pilot_ids:
        return [scoped]
    return [scoped, filters]


def _scoring(read_as: str, filters: SearchFilters) -> str:
    """The question for sentence scoring, without words its filters already guarantee:
    with 「园区」 as a filter every candidate mentions 园区, so the word discriminates
    nothing and only lowers every sentence's coverage of the question."""
    stripped = read_as
    for value in (filters.pilot_type, filters.region):
        if value and value in stripped:
            stripped = stripped.replace(value, "")
    return stripped if stripped.strip("？?。 ") else read_as
