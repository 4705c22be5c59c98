"""Homophone typos in questions: 「鱼热」 typed for 「余热」.

Chinese is typed through pinyin, so the commonest typo is a word with the same
syllables and the wrong characters. Such a word finds nothing by BM25 and drifts in
the embedding space, and the answer opens with something unrelated. A typed word is
taken for a typo only when all of these hold:

- it is not a word: not in jieba's dictionary (「量子」 is one, so a question about
  量子计算机 is left alone and refused for what it is);
- the corpus never writes it: one of its character pairs occurs in no chunk (with the
  default tokenizer every character pair of the corpus is a BM25 token);
- the corpus uses a word of the same length with the same toneless syllables in at
  least ``MIN_DOCUMENT_FREQUENCY`` chunks, a word of the field rather than of everyday
  talk (``MIN_SPECIFICITY``, see index/question_terms.py), a noun (typos that lose an
  answer are in the words that name the topic), and that word is a word (jieba's dictionary
  or the domain user dictionary, not a character pair that happens to occur: 「拿去」
  must not become 「纳渠」) — the likely intended word, the most used one when several
  sound alike.

Words and typed stretches alike are read character by character, each character by its
commonest reading, without pypinyin's phrase dictionary. A typo is no phrase, so the
typed side is read that way anyway, and reading the corpus word the same way matches
them at least as often (measured over 1118 generated one-character typos of the demo
corpus's words: 664 found against 663 with the dictionary, and the same corrections of
the bench and test questions). The dictionary would hold ~43 MB in every server.

The question is then read with the corpus word, and the caller says so to the user
(「已按“余热”理解“鱼热”」), never silently.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

import jieba
import jieba.posseg

from index.question_terms import specificity
from ingest.tokenizer import configure_jieba, stopwords

MIN_DOCUMENT_FREQUENCY = 2
# Only a word of the field is offered as the intended one (余热 0.87, 风电 0.87): everyday
# words sound like too many stretches of a question (「有试」 -> 优势, 「值定」 -> 制定).
MIN_SPECIFICITY = 0.7
_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
_WORD_LENGTHS = (2, 3, 4)
# Read by pypinyin when it is first imported: character readings only (see above).
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")


@dataclass(frozen=True)
class Correction:
    typed: str
    meant: str


@cache
def _pinyin(text: str) -> tuple[str, ...]:
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(text))


class HomophoneIndex:
    """The corpus's words by their toneless syllables, built from the BM25 vocabulary."""

    def __init__(self, vocabulary: Iterable[str], document_frequency: Callable[[str], int]) -> None:
        configure_jieba()
        self._document_frequency = document_frequency
        self._by_sound: dict[tuple[str, ...], tuple[str, int]] = {}
        for word in vocabulary:
            if len(word) not in _WORD_LENGTHS or not _CJK.match(word) or not _is_dictionary_word(word):
                continue
            frequency = document_frequency(word)
            if frequency < MIN_DOCUMENT_FREQUENCY or specificity(word) < MIN_SPECIFICITY or not _is_noun(word):
                continue
            sound = _pinyin(word)
            best = self._by_sound.get(sound)
            if best is None or frequency > best[1]:
                self._by_sound[sound] = (word, frequency)

    def corrections(self, question: str) -> list[Correction]:
        """Typos found in ``question`` (in matching form), in question order."""
        configure_jieba()
        found: list[Correction] = []
        taken: set[int] = set()
        for start, span in _spans(jieba.lcut(question), self._suspicious):
            if _is_dictionary_word(span) or all(self._document_frequency(pair) for pair in _pairs(span)):
                continue
            meant = self._by_sound.get(_pinyin(span))
            where = set(range(start, start + len(span)))
            if meant is not None and meant[0] != span and not where & taken:
                found.append(Correction(span, meant[0]))
                taken |= where
        return found

    def _suspicious(self, token: str) -> bool:
        """A token that may be a typo: neither a dictionary word nor used by the corpus."""
        return not _is_dictionary_word(token) and not self._document_frequency(token)


def apply(question: str, corrections: list[Correction]) -> str:
    for correction in corrections:
        question = question.replace(correction.typed, correction.meant)
    return question


def _spans(tokens: list[str], suspicious: Callable[[str], bool]) -> list[tuple[int, str]]:
    """(position, text) of the stretches that may be typos: a token of 2–4 characters
    the corpus does not use (with the domain dictionary loaded, jieba keeps a typo whole:
    「鱼热」「风点」「夜冷」), or two adjacent single characters that are not function
    words (「鱼」「热」 when it does not)."""
    stop = stopwords()
    spans: list[tuple[int, str]] = []
    position = 0
    previous = ""
    for token in tokens:
        if len(token) in _WORD_LENGTHS and _CJK.match(token) and suspicious(token):
            spans.append((position, token))
        single = len(token) == 1 and bool(_CJK.match(token)) and token not in stop
        if single and previous:
            spans.append((position - 1, previous + token))
        previous = token if single else ""
        position += len(token)
    return spans


def _pairs(span: str) -> list[str]:
    return [span[i : i + 2] for i in range(len(span) - 1)]


def _is_noun(word: str) -> bool:
    """Typos that lose an answer are in the words that name the topic: nouns."""
    tag = jieba.posseg.dt.word_tag_tab.get(word, "x")
    return tag.startswith("n") or tag == "x"


def _is_dictionary_word(text: str) -> bool:
    return bool(jieba.dt.FREQ.get(text))
