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
  least ``MIN_DOCUMENT_FREQUENCY`` chunks — the likely intended word, the most used
  one when several sound alike.

The question is then read with the corpus word, and the caller says so to the user
(「已按“余热”理解“鱼热”」), never silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

import jieba

from ingest.tokenizer import configure_jieba

MIN_DOCUMENT_FREQUENCY = 2
_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
_WORD_LENGTHS = (2, 3, 4)


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
        self._document_frequency = document_frequency
        self._by_sound: dict[tuple[str, ...], tuple[str, int]] = {}
        for word in vocabulary:
            if len(word) not in _WORD_LENGTHS or not _CJK.match(word):
                continue
            frequency = document_frequency(word)
            if frequency < MIN_DOCUMENT_FREQUENCY:
                continue
            sound = _pinyin(word)
            best = self._by_sound.get(sound)
            if best is None or frequency > best[1]:
                self._by_sound[sound] = (word, frequency)

    def corrections(self, question: str) -> list[Correction]:
        """Typos found in ``question`` (in matching form), in question order."""
        configure_jieba()
        found: list[Correction] = []
        for span in _spans(jieba.lcut(question)):
            if _is_dictionary_word(span) or all(self._document_frequency(pair) for pair in _pairs(span)):
                continue
            meant = self._by_sound.get(_pinyin(span))
            if meant is not None and meant[0] != span:
                found.append(Correction(span, meant[0]))
        return found


def apply(question: str, corrections: list[Correction]) -> str:
    for correction in corrections:
        question = question.replace(correction.typed, correction.meant)
    return question


def _spans(tokens: list[str]) -> list[str]:
    """Words of 2–4 characters, and runs of single characters joined into such words
    (jieba splits an unknown 「鱼热」 into 「鱼」「热」)."""
    spans: list[str] = []
    singles: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and _CJK.match(token):
            singles.append(token)
            continue
        for size in _WORD_LENGTHS:
            spans.extend("".join(singles[i : i + size]) for i in range(len(singles) - size + 1))
        singles = []
        if len(token) in _WORD_LENGTHS and _CJK.match(token):
            spans.append(token)
    return spans


def _pairs(span: str) -> list[str]:
    return [span[i : i + 2] for i in range(len(span) - 1)]


def _is_dictionary_word(text: str) -> bool:
    return bool(jieba.dt.FREQ.get(text))
