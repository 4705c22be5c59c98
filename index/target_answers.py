"""Answers about targets: 「哪些试点已经完成了绿电消费占比目标，靠什么做到的？」.

A question that asks whether targets are met (完成 / 达到 / 实现 … 目标, 滞后, 按进度) is
answered from the targets and their statuses (index/progress.py), not from whichever
sentences mention the words: each target the question's topic names, in the scope it
sets (a pilot type, a pilot, a year), with the status it asks about. Every target cites
the plan's sentence and the latest reported sentence, and a met or on-track target
lists the practices the pilot credits for it, each citing its source section, so the
page can show what was done beside what was reached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from index.answer_model import AnswerSentence, CitationNumbers, TargetAnswer, TargetTally
from index.catalog import ChunkRecord
from index.chunk_table import ChunkTable
from index.progress import Source, TargetRecord
from index.question_terms import Topic, coverage
from index.target_status import LAGGING, MET, ON_TRACK, TOLERANCE, deadline, judge
from ingest.documents import within_section
from ingest.matching_form import fold
from ingest.numbering import without_numbering

_ASKS_TARGETS = re.compile(r"目标|达标|指标")
_ACROSS_PILOTS = re.compile(r"哪些|哪几个|哪个|哪家|哪几家|谁|各试点|各个试点|多少个试点|几个试点")
_HOW = re.compile(
    r"靠什么|怎么做到|如何做到|怎样做到|是怎么完成|如何完成|怎么完成|采取了哪些|有什么做法|哪些做法|什么措施"
)
_STATUS_CUES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"滞后|落后|没有?完成|未完成|没达到|未达到|完不成|差距"), (LAGGING,)),
    (re.compile(r"按进度|进度正常|按计划"), (ON_TRACK,)),
    (re.compile(r"完成|达到|实现|达成|达标|做到"), (MET,)),
)
# Words of a target question that name no indicator (哪些试点已经完成了目标，靠什么做到的).
_GENERIC_WORDS = frozenset(
    [
        "目标",
        "完成",
        "达到",
        "实现",
        "达成",
        "达标",
        "做到",
        "试点",
        "已经",
        "哪些",
        "哪个",
        "什么",
        "靠",
        "怎么",
        "如何",
        "情况",
        "进度",
        "滞后",
        "落后",
        "按进度",
        "年",
        "指标",
        "任务",
        "做法",
        "经验",
    ]
)
# A year-end report's own count of its targets: 「…11项量化目标中，7项已完成；…」.
_OWN_COUNT = re.compile(r"[\d一二三四五六七八九十]+项[^。]*?完成")
_SENTENCE_END = re.compile(r"(?<=[。！？])")
# A target's indicator names the question's topic when it covers this share of it, and
# no less than this below the target that covers it best: 「余热资源回收利用率」 is not
# answered with 生活垃圾回收利用率 (which shares 回收利用率) when there is a 余热 target.
MIN_TOPIC_COVERAGE = 0.5
TOPIC_SLACK = 0.25
# 「…的目标完成了没有」「完成了吗」「是否达标」: a question whose answer is the status, whichever it is.
_YES_NO = re.compile(
    r"(?:完成|达到|实现|达成|达标|做到)了?(?:没有|没|吗|么|与否)"
    r"|(?:是否|是不是|有没有|有无|能否|能不能)[^，。？！]{0,6}?(?:完成|达到|实现|达成|达标|做到)"
)
MAX_TARGETS = 12
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def asks_about_targets(question: str) -> bool:
    """「哪些试点已经完成了…目标」「…目标是靠什么做到的」: a question across pilots, or
    about how targets were met. (A status question about one pilot's target is answered
    the same way by index/answering.py.)"""
    if not _ASKS_TARGETS.search(question) or not any(pattern.search(question) for pattern, _ in _STATUS_CUES):
        return False
    return bool(_ACROSS_PILOTS.search(question) or _HOW.search(question))


def names_a_target(question: str) -> bool:
    """The question is about a target (「…的目标」「要到15%以上，现在到多少了」)."""
    return bool(_ASKS_TARGETS.search(question) or _TARGET_LEVEL.search(question))


# 「…要到15%以上」「…要达到22%」: a target level stated in the question.
_TARGET_LEVEL = re.compile(r"(?:要到|要达到|达到|不低于|不超过|控制在)\s*[\d.]+\s*%?\s*(?:以上|以下|左右)?")


def wanted_statuses(question: str) -> tuple[str, ...]:
    """The statuses the question asks for; () for any (and for a yes/no question)."""
    if _YES_NO.search(question):
        return ()
    for pattern, statuses in _STATUS_CUES:
        if pattern.search(question):
            return statuses
    return ()


def named_years(question: str) -> set[int]:
    return {int(year) for year in re.findall(r"(20\d{2})\s*年", question)}


def indicator_topic(topic: Topic) -> Topic:
    """The question's topic without the words every target question uses."""
    keep = [i for i, term in enumerate(topic.terms) if term not in _GENERIC_WORDS and not term.isdigit()]
    return replace(
        topic,
        terms=tuple(topic.terms[i] for i in keep),
        weights=tuple(topic.weights[i] for i in keep),
        groups=tuple(topic.groups[i] for i in keep) if topic.groups else (),
        nouns=tuple(topic.nouns[i] for i in keep) if topic.nouns else (),
    )


@dataclass
class TargetAnswers:
    table: ChunkTable

    def answer(
        self,
        question: str,
        question_topic: Topic,
        targets: list[TargetRecord],
        pilot_ids: list[str],
        citations: CitationNumbers,
        any_status: bool = False,
    ) -> list[TargetAnswer]:
        """The targets that answer the question, best first, cited through ``citations``:
        those on its topic, of the status it asks about unless ``any_status``. When no
        target on the topic has that status (「哪些试点已经完成了余热资源回收利用率目标」
        while every such target lags), the targets on the topic are given with their
        own status, rather than other targets that have it."""
        statuses = () if any_status else wanted_statuses(question)
        years = named_years(question)
        allowed = set(pilot_ids)
        on_topic = [
            record for record in targets if record.pilot_id in allowed and (not years or record.target.year in years)
        ]
        named = indicator_topic(question_topic)
        if named.terms:
            scored = [(coverage(named, fold(f"{r.target.indicator} {r.family}").lower()), r) for r in on_topic]
            best = max((score for score, _ in scored), default=0.0)
            floor = max(MIN_TOPIC_COVERAGE, best - TOPIC_SLACK)
            on_topic = [record for score, record in sorted(scored, key=lambda x: -x[0]) if score >= floor]
        candidates = [record for record in on_topic if not statuses or record.status in statuses] or on_topic
        # The target whose value the question states (「余热…70%的目标」) before its 2030
        # sibling (80%), then those with practices to show.
        stated = {float(number) for number in _NUMBER.findall(question)}
        candidates.sort(
            key=lambda record: (
                record.target.value not in stated,
                not record.credited,
                record.target.year,
                record.pilot_id,
            )
        )
        answers = []
        for record in candidates[:MAX_TARGETS]:
            target_sentence = self._sentence(record.target_source, citations)
            if target_sentence is None:
                continue
            latest = self._sentence(record.latest_source, citations) if record.latest_source else None
            practices = []
            for credit in record.credited:
                cited = self._section_sentence(credit.doc_id, credit.heading_path, credit.title, citations)
                if cited is not None:
                    practices.append((credit.title, cited))
            answers.append(
                TargetAnswer(
                    pilot=record.pilot,
                    pilot_id=record.pilot_id,
                    pilot_type=record.pilot_type,
                    target_id=record.target_id,
                    indicator=record.target.indicator,
                    year=record.target.year,
                    status=record.status,
                    reason=record.judgement.reason,
                    target=target_sentence,
                    latest=latest,
                    practices=tuple(practices),
                )
            )
        return answers

    def tallies(
        self,
        question: str,
        question_topic: Topic,
        targets: list[TargetRecord],
        pilot_ids: list[str],
        doc_meta: dict[str, dict],
        citations: CitationNumbers,
    ) -> list[TargetTally]:
        """Each pilot's targets of the year asked, counted, when the question names no
        indicator (「2025年目标完成得怎么样，哪家最好」「哪个村没完成的目标最多」): best
        first, or most unmet first when it asks about what was not met."""
        if indicator_topic(question_topic).terms:
            return []
        allowed = set(pilot_ids)
        years = named_years(question) or {min((r.target.year for r in targets if r.pilot_id in allowed), default=0)}
        tallies = []
        for pilot_id in pilot_ids:
            records = [r for r in targets if r.pilot_id == pilot_id and r.target.year in years]
            if not records:
                continue
            year = records[0].target.year
            met = [r for r in records if _met_by_its_year(r)]
            tallies.append(
                TargetTally(
                    pilot=records[0].pilot,
                    pilot_id=pilot_id,
                    pilot_type=records[0].pilot_type,
                    year=year,
                    met=len(met),
                    total=len(records),
                    unmet=tuple(r.target.indicator for r in records if r not in met),
                    unmet_ids=tuple(r.target_id for r in records if r not in met),
                    statement=self._own_count(pilot_id, year, doc_meta, citations),
                )
            )
        if wanted_statuses(question) == (LAGGING,):
            return sorted(tallies, key=lambda t: -(t.total - t.met))
        return sorted(tallies, key=lambda t: (-t.met / t.total, -t.met))

    def _own_count(
        self, pilot_id: str, year: int, doc_meta: dict[str, dict], citations: CitationNumbers
    ) -> AnswerSentence | None:
        """The sentence of the pilot's year-end report that says which targets it met: the
        first one of its 「…年目标完成情况」 section that speaks of 完成, else one that
        counts them anywhere in the report (「…9项量化目标中，8项已完成」)."""
        reports = [
            doc_id
            for doc_id, meta in doc_meta.items()
            if meta.get("pilot_id") == pilot_id
            and meta.get("doc_type") == "进展报告"
            and meta.get("period") == f"{year}H2"
        ]
        for doc_id in reports:
            found = [
                (record, sentence.strip())
                for record in self.table.records_of(doc_id)
                for sentence in _SENTENCE_END.split(record.text)
                if "完成" in sentence
            ]
            in_section = [(r, text) for r, text in found if "目标完成情况" in str(r.metadata.get("heading_path", ""))]
            counted = [(r, text) for r, text in found if _OWN_COUNT.search(text) and "目标" in text]
            for record, text in in_section[:1] or counted[:1]:
                return AnswerSentence(text=text, citations=(citations.number(record),), score=1.0)
        return None

    def _sentence(self, source: Source, citations: CitationNumbers) -> AnswerSentence | None:
        record = self._record(source.doc_id, source.chunk_id)
        if record is None:
            return None
        return AnswerSentence(text=_shown(source.sentence), citations=(citations.number(record),), score=1.0)

    def _section_sentence(
        self, doc_id: str, heading_path: str, title: str, citations: CitationNumbers
    ) -> AnswerSentence | None:
        """The practice's section: its first chunk, quoted from its first sentence."""
        records = [
            r for r in self.table.records_of(doc_id) if within_section(r.metadata.get("heading_path", ""), heading_path)
        ]
        if not records:
            return None
        first = records[0]
        heading = without_numbering(heading_path.split(" > ")[-1]).rstrip("。 ")
        sentences = [s for s in _SENTENCE_END.split(first.text.strip()) if s.strip()]
        # 「（二）绿电。」 opens the section as its heading line: the first real sentence follows.
        body = [s for s in sentences if without_numbering(s).rstrip("。 ") != heading]
        text = (body or sentences or [title])[0]
        return AnswerSentence(text=text, citations=(citations.number(first),), score=1.0)

    def _record(self, doc_id: str, chunk_id: str) -> ChunkRecord | None:
        if not chunk_id:
            return None
        return next((r for r in self.table.records_of(doc_id) if r.chunk_id == chunk_id), None)


def _met_by_its_year(record: TargetRecord) -> bool:
    """Whether the target was reached by the end of its year: a 2025 target reached only
    in 2026's first half counts as not met in 2025's tally, as the pilots count it."""
    in_time = [reading for reading in record.readings if reading.time <= deadline(record.target) + TOLERANCE]
    return judge(record.target, in_time, None).status == MET


def _shown(sentence: str) -> str:
    """A key-indicator table row reads 「指标：…；单位：…」; shown as it is, ended."""
    text = sentence.strip()
    return text if text.endswith(("。", "；", "！", "？")) else text + "。"
