"""The form in which text is compared: simplified characters and half-width ASCII.

A question typed in traditional characters (「其他園區是怎麼利用餘熱的」) or with
full-width letters and digits (「ＣＣＵＳ」「２０２５年」) must find the same passages as
its simplified, half-width twin, and a document written in traditional characters must
be found by a simplified question. So every text is folded into one matching form
before it is tokenised for BM25, embedded, or scored as an answer sentence, while the
text itself is stored and shown as written.

OpenCC's ``t2s`` (its dictionaries ship with the package, nothing downloads) converts
phrases and characters; on simplified text it changes nothing (checked on the demo
corpus and CMRC 2018: 0 of 167k and 14 of 134k characters, all variant forms such as
舖 -> 铺), and it keeps the length of the text in practice, so positions found in the
folded text point at the same characters of the original (``highlight`` relies on it
and falls back when a conversion changes the length).
"""

from __future__ import annotations

import re
import threading
from functools import cache, lru_cache

# Bump when fold() changes: stored BM25 tokens and embedding texts were made with it.
MATCHING_FORM_VERSION = "1"

_FULL_WIDTH_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH_ASCII[0x3000] = 0x20  # ideographic space
# Full-width punctuation stays Chinese punctuation: sentence splitting relies on it.
for _code in (0xFF0C, 0xFF1B, 0xFF1A, 0xFF1F, 0xFF01, 0xFF08, 0xFF09):
    _FULL_WIDTH_ASCII.pop(_code)

# The characters the table changes. Most texts hold none, and looking for them is ~15
# times cheaper than translating a Chinese text (0.4 against 6.6 µs a demo chunk).
_FULL_WIDTH_CHARS = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_FULL_WIDTH_ASCII)) + "]")

_converter_lock = threading.Lock()
# Texts folded lately (questions, synonyms, the sentences and chunks answers are scored
# and highlighted in), kept with their matching form: under concurrent requests every
# fold waited on the converter's lock, and the same texts come back request after request.
# Each entry costs about its text's size (an unchanged text is kept once).
RECENT_FOLDS = 4096


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def _may_be_traditional(text: str) -> bool:
    """Cheap pre-check: pure ASCII needs no conversion (most tokens, all numbers)."""
    return not text.isascii()


def fold(text: str) -> str:
    """``text`` in matching form: traditional -> simplified, full-width ASCII -> half-width."""
    if not text:
        return text
    if _FULL_WIDTH_CHARS.search(text) is not None:  # else unchanged: the caller's string, not a copy
        text = text.translate(_FULL_WIDTH_ASCII)
    if not _may_be_traditional(text):
        return text
    return _simplified(text)


@lru_cache(maxsize=RECENT_FOLDS)
def _simplified(text: str) -> str:
    converter = _converter()
    with _converter_lock:  # one converter object; its C++ state is not documented as thread-safe
        converted = converter.convert(text)
    return text if converted == text else converted
