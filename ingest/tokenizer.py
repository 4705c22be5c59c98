"""Chinese tokens for BM25 and highlighting: jieba words plus character n-grams.

jieba with the domain user dictionary keeps terms like 余热余压 or 超低能耗建筑 whole;
character bigrams make recall robust to segmentation differences between a question
and a passage (bench/retrieval.py measures the schemes). The synonym table widens a
query (CCUS -> 二氧化碳捕集利用与封存) and is applied at query time only, so the index
does not change when the table does.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, get_args

import jieba

from ingest.matching_form import MATCHING_FORM_VERSION, fold

DATA_DIR = Path(__file__).with_name("data")
USER_DICT = DATA_DIR / "userdict.txt"
SYNONYMS = DATA_DIR / "synonyms.txt"
STOPWORDS = DATA_DIR / "stopwords.txt"

TokenizerScheme = Literal["jieba", "chars", "jieba+bigrams", "jieba+chars"]
SCHEMES: tuple[str, ...] = get_args(TokenizerScheme)
DEFAULT_SCHEME: TokenizerScheme = "jieba+chars"

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORDLIKE = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)
_ASCII_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-_]*")

_jieba_lock = threading.Lock()
_jieba_ready = False


def configure_jieba(cache_dir: Path | None = None) -> None:
    """Initialise jieba once per process, with its cache in ``cache_dir``.

    jieba's user dictionary loading is not thread-safe, so this runs under a lock and
    only once; call it at start-up, before serving requests.
    """
    global _jieba_ready
    with _jieba_lock:
        if _jieba_ready:
            return
        # CRITICAL: a cache jieba cannot write (a full or read-only disk) is harmless, yet
        # it logs a traceback for it; TanLu reports a data folder it cannot write itself.
        jieba.setLogLevel(logging.CRITICAL)
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            jieba.dt.tmp_dir = str(cache_dir)
        jieba.initialize()
        jieba.load_userdict(str(USER_DICT))
        _jieba_ready = True


def _data_lines(path: Path) -> list[str]:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


@cache
def stopwords() -> frozenset[str]:
    return frozenset(word for line in _data_lines(STOPWORDS) for word in line.split())


@cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(term.strip() for term in line.split("|") if term.strip()) for line in _data_lines(SYNONYMS))


def expand_synonyms(query: str) -> list[str]:
    """Terms interchangeable with something the query contains (not in the query)."""
    lowered = fold(query).lower()
    extra: list[str] = []
    for group in synonym_groups():
        if any(term.lower() in lowered for term in group):
            extra.extend(term for term in group if term.lower() not in lowered and term not in extra)
    return extra


def words(text: str) -> list[str]:
    """jieba words of the text's matching form, without punctuation and stop words,
    ASCII lower-cased."""
    configure_jieba()
    stop = stopwords()
    result = []
    for word in jieba.lcut(fold(text)):
        word = word.strip().lower()
        if word and _WORDLIKE.search(word) and word not in stop:
            result.append(word)
    return result


def char_ngrams(text: str, *, unigrams: bool) -> list[str]:
    """Character bigrams (and unigrams) of each CJK run of the text's matching form, plus
    ASCII words."""
    stop = stopwords()
    text = fold(text)
    grams: list[str] = []
    for run in _CJK_RUN.findall(text):
        if unigrams:
            grams.extend(char for char in run if char not in stop)
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    grams.extend(word.lower() for word in _ASCII_WORD.findall(text))
    return grams


@cache
def vocabulary_version() -> str:
    """A digest of the data that decides document tokens (user dictionary, stop words)
    and of the matching form: stored tokens are stale when it changes."""
    digest = hashlib.sha256(MATCHING_FORM_VERSION.encode())
    for path in (USER_DICT, STOPWORDS):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class Tokenizer:
    """Turns text into BM25 tokens according to a scheme (see SCHEMES)."""

    scheme: TokenizerScheme = DEFAULT_SCHEME

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown tokenizer scheme {self.scheme!r}; expected one of {SCHEMES}")

    def document_tokens(self, text: str) -> list[str]:
        if self.scheme == "chars":
            return char_ngrams(text, unigrams=True)
        tokens = words(text)
        if self.scheme == "jieba+bigrams":
            tokens += [gram for gram in char_ngrams(text, unigrams=False) if len(gram) == 2 and not gram.isascii()]
        elif self.scheme == "jieba+chars":
            tokens += [gram for gram in char_ngrams(text, unigrams=True) if not gram.isascii()]
        return tokens

    def query_tokens(self, query: str) -> list[str]:
        """Tokens of the query and of its synonyms."""
        text = " ".join([query, *expand_synonyms(query)])
        return self.document_tokens(text)


def highlight_terms(query: str) -> list[str]:
    """Words worth marking in a result: query words and synonyms, longest first."""
    terms = set(words(query)) | {term.lower() for term in expand_synonyms(query)}
    return sorted((term for term in terms if len(term) > 1 or not term.isascii()), key=len, reverse=True)
