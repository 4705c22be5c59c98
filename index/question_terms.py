"""The words a question names its topic with, and how telling each one is.

「乡村试点的屋顶光伏是怎么推广的？」 is about 屋顶光伏: 乡村 is a filter, 试点 and 推广
are how people ask (data/question_fillers.txt), 怎么 is the question word. An answer
must cover the topic words, weighted by rarity over the corpus (IDF from the BM25
index's document frequencies): 屋顶光伏 says more than 建设. A topic word no chunk of
the corpus uses at all is the clearest sign that the corpus does not cover the
question (「量子计算机」 beside a hospital's 计算机断层).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import jieba
import jieba.posseg

from index.question_kind import cue_spans, cue_table
from index.question_plan import plan_cue_words
from ingest.domain import PILOT_TYPES
from ingest.matching_form import fold
from ingest.tokenizer import configure_jieba, stopwords, synonym_groups

DATA_DIR = Path(__file__).with_name("data")
FILLERS_FILE = DATA_DIR / "question_fillers.txt"
RELATED_FILE = DATA_DIR / "related_terms.txt"
# The share of a topic word's weight that a text earns by a related word alone.
RELATED_CREDIT = 0.7
# ... and by the character pairs of a longer word alone (「慢行道」 in 「慢行绿道」, 「困难户」
# in 「困难家庭」): this share times the share of its pairs the text holds.
PAIR_CREDIT = 0.6
# Parts of speech (jieba) of words that name a topic: nouns, names, abbreviations,
# verbal nouns, places, English words, and domain terms from the user dictionary,
# which jieba tags x. Verbs, adjectives and set phrases describe it (「供暖」「捕集」
# 「不划算」) and weigh half;
# the rest (pronouns, adverbs, particles, measure words) say nothing of the topic.
NOUN_TAGS = ("n", "nr", "ns", "nt", "nz", "nrt", "nrfg", "nw", "vn", "an", "eng", "j", "x")
# A word jieba made up that no chunk uses (「抓下来」「装不上」, typos) is mostly noise:
# it weighs this share of what a known word would (0.5 -> 0.25: domain pilot coverage
# 0.824 -> 0.837, every other domain and CMRC figure unchanged).
GUESSED_WEIGHT = 0.25
DESCRIBING_TAGS = ("v", "vd", "a", "ad", "l", "i", "s")
DESCRIBING_WEIGHT = 0.5
# Weight = corpus IDF x specificity ** SPECIFICITY_POWER: squared, a word of everyday
# talk (时候 0.18) weighs a fifth of a technical term (电解铝 0.74).
SPECIFICITY_POWER = 2


@cache
def fillers() -> frozenset[str]:
    lines = FILLERS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(word for line in lines if not line.lstrip().startswith("#") for word in line.split())


@cache
def related_terms() -> dict[str, tuple[str, ...]]:
    """topic word (and each of its synonyms) -> related words, in matching form."""
    table: dict[str, tuple[str, ...]] = {}
    for line in RELATED_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        head, _, words = line.partition(":")
        related = tuple(fold(word).lower() for word in words.split())
        for key in synonym_forms(fold(head.strip()).lower()):
            table[key] = tuple(dict.fromkeys(table.get(key, ()) + related))
    return table


def specificity(word: str) -> float:
    """How topical a word is in Chinese at large, 0–1: its IDF over jieba's dictionary
    counts (a general corpus of 60 million words), over the largest possible.

    Rarity in the corpus alone cannot tell 「电解铝」 (a topic the corpus lacks) from
    「例子」 or 「时候」 (how people talk, which no formal report writes): both are absent.
    Rarity in the language can: 时候 0.42, 例子 0.59, 量子 0.64, 电解铝 0.86, and the
    domain terms of the user dictionary (余热, 光伏) 0.87.
    """
    configure_jieba()
    total = jieba.dt.total
    frequency = jieba.dt.FREQ.get(word) or 0
    return math.log(total / (frequency + 1)) / math.log(total)


@dataclass(frozen=True)
class TermStats:
    """Corpus statistics of terms (in matching form): chunk count and document frequency."""

    chunk_count: int
    document_frequency: Callable[[str], int]

    def idf(self, term: str) -> float:
        df = self.document_frequency(term)
        return math.log(1.0 + (self.chunk_count - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class Topic:
    terms: tuple[str, ...]
    weights: tuple[float, ...]
    unknown: tuple[str, ...]  # terms the corpus never uses (nor any synonym of them)
    dropped: tuple[str, ...] = ()  # words no chunk uses that name nothing (「拿去」「掏」)
    groups: tuple[int, ...] = ()  # terms of one group are alternatives; default: each its own
    nouns: tuple[bool, ...] = ()  # which terms name the topic (the rest describe it)

    def group_of(self) -> list[list[int]]:
        """Term indexes by group, in question order."""
        ids = self.groups or tuple(range(len(self.terms)))
        by_group: dict[int, list[int]] = {}
        for index, group in enumerate(ids):
            by_group.setdefault(group, []).append(index)
        return list(by_group.values())

    def total(self) -> float:
        return sum(max(self.weights[i] for i in members) for members in self.group_of())


@dataclass(frozen=True)
class TopicWord:
    text: str
    noun: bool  # names the topic, rather than describing it
    phrase: bool = False  # a term of the synonym table, which jieba may split
    joined: bool = False  # single characters read as one word (「绿氨」)
    group: int = 0  # words of one group are alternatives (「慢行道、绿道」)


# Words that join alternatives: 「慢行道、绿道」「垃圾分类和光盘行动」 ask about either.
COORDINATORS = frozenset({"、", "和", "与", "及", "以及", "或", "或者", "跟", "/"})
_SEPARATOR = "\u0001"  # stands for a coordinator while the question is segmented


def topic_words(question: str) -> list[TopicWord]:
    """The question's topic words in matching form and question order, without repeats:
    terms of the synonym table whole (「单位产值能耗」 is found as 「单位工业增加值能耗」,
    which its parts 产值 would not be), and jieba words that name or describe the topic.
    Words joined by a coordinator share an ``alternatives`` group."""
    configure_jieba()
    text = fold(question).lower()
    for span in reversed(cue_spans(text)):
        if not span.cue.topic:
            text = text[: span.start] + "，" + text[span.end :]
    for cue in plan_cue_words(text):
        text = text.replace(cue, "，")
    skip = stopwords() | fillers() | set(PILOT_TYPES)
    phrases = sorted(
        {fold(t).lower() for group in synonym_groups() for t in group if len(t) > 1} - skip, key=len, reverse=True
    )
    pieces = re.split("(" + "|".join(map(re.escape, phrases)) + ")", text) if phrases else [text]
    sequence: list[TopicWord | None] = []  # None marks a coordinator
    for index, piece in enumerate(pieces):
        if index % 2:
            sequence.append(TopicWord(piece, True, phrase=True))
        elif piece:
            sequence.extend(_tagged_words(piece, skip))
    return _grouped(sequence)


def _grouped(sequence: list[TopicWord | None]) -> list[TopicWord]:
    """The words of ``sequence`` without repeats, a word right after a coordinator put
    in the group of the word right before it."""
    found: list[TopicWord] = []
    seen: set[str] = set()
    previous: TopicWord | None = None
    after_coordinator = False
    for item in sequence:
        if item is None:
            after_coordinator = previous is not None
            continue
        if not item.text:  # punctuation: no coordination across it
            previous, after_coordinator = None, False
            continue
        group = previous.group if after_coordinator and previous is not None else len(found)
        after_coordinator = False
        if item.text in seen:
            previous = next(word for word in found if word.text == item.text)
            continue
        word = replace(item, group=group)
        found.append(word)
        seen.add(item.text)
        previous = word
    return found


def _tagged_words(text: str, skip: frozenset[str] | set[str]) -> list[TopicWord | None]:
    """The words worth weighing, in order, with None for each coordinator between
    them. Runs of single noun characters jieba could not join (「绿」「氨」) are read as
    one word (「绿氨」)."""
    result: list[TopicWord | None] = []
    singles: list[tuple[str, str]] = []

    def flush() -> None:
        # Each run of noun characters (「算碳账」 -> 算 + 碳账: the verb is no part of it).
        for is_noun, run in itertools.groupby(singles, key=lambda pair: pair[1].startswith("n")):
            chars = "".join(char for char, _ in run)
            if is_noun and len(chars) > 1:
                result.append(TopicWord(chars, True, joined=True))
        singles.clear()

    for pair in jieba.posseg.lcut(text):
        word, tag = pair.word.strip(), pair.flag
        if word in COORDINATORS:
            flush()
            result.append(None)
            continue
        if len(word) == 1 and not word.isascii() and word not in skip:
            singles.append((word, tag))
            continue
        flush()
        if word in skip or not any(char.isalnum() for char in word):
            if word and not any(char.isalnum() for char in word):
                result.append(TopicWord("", False))  # punctuation breaks a coordination
            continue
        if word.isdigit() or (tag.startswith(NOUN_TAGS) and (len(word) > 1 or tag != "x")):
            result.append(TopicWord(word, not word.isdigit()))
        elif tag in DESCRIBING_TAGS and len(word) > 1:
            result.append(TopicWord(word, False))
    flush()
    return result


def _is_word(term: str) -> bool:
    return bool(jieba.dt.FREQ.get(term)) or term.isascii()


# Characters that end no noun but often follow one in a question (「孔有多深」「钱是谁出的」).
FUNCTION_TAILS = frozenset("有是在的了要能会都也")


def topic(question: str, stats: TermStats) -> Topic:
    """The topic of the question with each word's weight. A word the corpus never uses
    is kept (as unknown) only when it names something; an unused verb or adjective is
    just another way of saying it (「抓下来」「掏」) and is left out."""
    terms: list[str] = []
    weights: list[float] = []
    groups: list[int] = []
    nouns: list[bool] = []
    unknown: list[str] = []
    dropped: list[str] = []
    for word in topic_words(question):
        forms = list(synonym_forms(word.text))
        known = any(_used(form, stats, word.phrase) for form in forms)
        guessed = not word.joined and not word.phrase and not _is_word(word.text)
        if not known and not _names_missing_topic(word):
            if guessed and (not word.noun or word.text[-1] in FUNCTION_TAILS):
                # 「拿去」: a verb jieba made up; 「孔有」 (孔有多深): a noun glued to a verb
                # by jieba's guessing. Neither names a topic.
                dropped.append(word.text)
                continue
        elif not known:
            unknown.append(word.text)
        terms.append(word.text)
        weight = _weight(word.text, forms, stats) * specificity(word.text) ** SPECIFICITY_POWER
        if not known and (guessed or not word.noun):
            weight *= GUESSED_WEIGHT  # how people talk (「卖不出去」「太贵」), not what reports write
        groups.append(word.group)
        nouns.append(word.noun and not guessed)
        weights.append(weight * (1.0 if word.noun and not guessed else DESCRIBING_WEIGHT))
    return Topic(tuple(terms), tuple(weights), tuple(unknown), tuple(dropped), tuple(groups), tuple(nouns))


def _names_missing_topic(word: TopicWord) -> bool:
    """A word no chunk uses names a topic the corpus lacks when it is a noun of the
    dictionary (「量子」「电解铝」) or nouns jieba left apart (「绿」「氨」). A verb or an
    adjective is a way of asking (「出钱」「卖不出去」「太贵」), and a word jieba made up
    (「装不上」, or a typo like 「积份」) is no evidence of a missing topic."""
    if word.text.isdigit() or len(word.text) < 2 or not word.noun:
        return False
    return word.joined or _is_word(word.text)  # jieba's FREQ also lists every word's prefixes, at 0


def _used(form: str, stats: TermStats, phrase: bool) -> bool:
    """The corpus uses the term: as a BM25 token; or, as the documents were segmented
    otherwise, every character pair of it is a token (the default tokenizer indexes all
    pairs: 「需求响应」 split 需求/响应 in a report); or (a synonym-table phrase) word by word."""
    if stats.document_frequency(form) > 0:
        return True
    if (
        len(form) > 2
        and not form.isascii()
        and all(stats.document_frequency(form[i : i + 2]) > 0 for i in range(len(form) - 1))
    ):
        return True
    if not phrase:
        return False
    parts = [word for word in jieba.lcut(form) if word.strip()]
    return len(parts) > 1 and all(stats.document_frequency(part) > 0 for part in parts)


def _weight(term: str, forms: list[str], stats: TermStats) -> float:
    """IDF of the term; a phrase that is no BM25 token (「单位产值能耗」) weighs as its
    most used form, or as the mean of its words when no form is a token."""
    frequencies = [stats.document_frequency(form) for form in forms]
    if max(frequencies) > 0:
        return stats.idf(forms[frequencies.index(max(frequencies))])
    parts = [word for word in jieba.lcut(term) if word.strip()]
    return sum(stats.idf(part) for part in parts) / max(1, len(parts))


@cache
def synonym_forms(term: str) -> tuple[str, ...]:
    """The term and every term of a synonym group it belongs to (exact member), in
    matching form: 「二氧化碳捕集利用与封存」 -> CCUS, 碳捕集 … but not 二氧化碳."""
    forms = [term]
    for group in synonym_groups():
        members = [fold(member).lower() for member in group]
        if term in members:
            forms.extend(member for member in members if member not in forms)
    return tuple(forms)


def term_found(term: str, text: str) -> bool:
    """``text`` in matching form, lower-cased."""
    return any(form in text for form in synonym_forms(term))


def term_credit(term: str, text: str) -> float:
    """1 when the text names the term (or a synonym), RELATED_CREDIT when it names only
    a related word (data/related_terms.txt), part of PAIR_CREDIT for the character
    pairs of a longer word, else 0."""
    if term_found(term, text):
        return 1.0
    if any(word in text for word in related_terms().get(term, ())):
        return RELATED_CREDIT
    if len(term) > 2 and not term.isascii():
        pairs = [term[i : i + 2] for i in range(len(term) - 1)]
        return PAIR_CREDIT * sum(pair in text for pair in pairs) / len(pairs)
    return 0.0


def coverage(topic: Topic, text: str) -> float:
    """Share of the topic's weight that ``text`` (matching form, lower-cased) mentions;
    of alternatives (「慢行道、绿道」) the best mentioned one counts."""
    total = topic.total()
    if total <= 0:
        return 0.0
    earned = sum(
        max(topic.weights[i] * term_credit(topic.terms[i], text) for i in members) for members in topic.group_of()
    )
    return earned / total


def missing_noun_share(topic: Topic, text: str) -> float:
    """The largest share of the topic's weight carried by one group of naming words
    the text does not mention at all: 「氢燃料电池公交车」 is not answered by a text
    about 氢燃料电池重卡, though it covers most of the weight."""
    total = topic.total()
    nouns = topic.nouns or (True,) * len(topic.terms)
    shares = [
        max(topic.weights[i] for i in members) / total
        for members in topic.group_of()
        if all(nouns[i] for i in members) and all(term_credit(topic.terms[i], text) == 0 for i in members)
    ]
    return max(shares, default=0.0) if total > 0 else 0.0


def heaviest_credit(topic: Topic, text: str) -> float:
    """The credit the text earns on the topic's heaviest group of words: 「上网电价」 in
    「沼气发电的上网电价是多少」 must be there, however much 沼气 and 发电 are."""
    groups = topic.group_of()
    if not groups:
        return 1.0
    heaviest = max(groups, key=lambda members: max(topic.weights[i] for i in members))
    return max(term_credit(topic.terms[i], text) for i in heaviest)


# A quantity question's measure is the topic word next to its question word: after it
# (「有多少注册用户」「打了多少口换热孔」), else before it (「中试装置总投资是多少」).
FOCUS_WINDOW_CHARS = 6


# Nouns that say a number is asked for without naming what it measures: in
# 「核查结果是多少」 the measure is what was checked, not the word 结果.
NOT_A_MEASURE = frozenset({"结果", "情况", "数据", "数字", "数值", "水平"})

# Characters that make a measure of the word before them: 上架率, 发电量, 户数, 金额, 占比.
MEASURE_SUFFIX = "[率量数额比]"


def quantity_focus(question: str, topic: Topic) -> list[str]:
    """The topic nouns (a group) whose number a quantity question asks for; [] when it
    asks for no quantity or names no topic noun next to its question word."""
    text = fold(question).lower()
    cues = [span for span in cue_spans(text) if span.cue.kind.value == "quantity" and not span.cue.topic]
    if not cues:
        return []
    cue = cues[0]
    after: tuple[int, int] | None = None  # (distance, term index)
    before: tuple[int, int] | None = None
    nouns = topic.nouns or (True,) * len(topic.terms)
    generic = {c.text for c in cue_table().cues if c.topic and c.kind.value == "quantity"} | NOT_A_MEASURE
    for index, term in enumerate(topic.terms):
        # A verb with a measure suffix names a measure (「上架率」 jieba cuts as 上架 + 率).
        measured = re.search(re.escape(term) + MEASURE_SUFFIX, text) is not None
        if not (nouns[index] or measured) or term in generic:  # 「总量」「规模」 say only that a number is asked
            continue
        start = text.find(term, cue.end)
        if start >= 0 and start - cue.end <= FOCUS_WINDOW_CHARS and (after is None or start - cue.end < after[0]):
            after = (start - cue.end, index)
        end = text.rfind(term, 0, cue.start)
        gap = cue.start - (end + len(term))
        if end >= 0 and gap <= FOCUS_WINDOW_CHARS and (before is None or gap < before[0]):
            before = (gap, index)
    chosen = after or before
    if chosen is None:
        return []
    return [topic.terms[i] for i in next(members for members in topic.group_of() if chosen[1] in members)]


def missing_terms(topic: Topic, text: str) -> list[str]:
    """Topic words the text does not mention at all (nor by a related word, nor by an
    alternative)."""
    missing: list[str] = []
    for members in topic.group_of():
        if all(term_credit(topic.terms[i], text) == 0 for i in members):
            missing.extend(topic.terms[i] for i in members)
    return missing
