"""Safe clean-up of Chinese text read from plain-text, Word and HTML files.

Full NFKC would also turn Chinese punctuation （，：） into ASCII and change the look
and the sentence splitting of every document, so only the fixes that cannot change
the meaning of Chinese text are made here:

- full-width ASCII letters and digits become half-width (ＡＢＣ１２３ -> ABC123), so that
  indicators and search terms match whichever width was typed; a full-width point
  between digits becomes ``.`` (１．５ -> 1.5);
- the ideographic space and other Unicode spaces become a space; runs of spaces are
  collapsed, lines are trimmed, and spaces next to full-width punctuation dropped
  (``一、　总体要求`` -> ``一、总体要求``);
- half-width , ; : ? ! ( ) become ，；：？！（） only in Chinese context (next to a
  Chinese character or full-width punctuation), never between digits (3.5, 1,200,
  10:30), inside URLs or e-mail addresses, or after an ASCII word (f(x));
- zero-width characters, BOMs, soft hyphens and stray control characters are removed;
  line endings become ``\\n`` and long runs of blank lines one blank line.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
# CJK symbols and the full-width punctuation block (letters and digits excluded:
# they are made half-width before any context is looked at).
_CN_PUNCT = "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_CONTEXT = re.compile(f"[{_HAN}{_CN_PUNCT}]")
_HAN_CHAR = re.compile(f"[{_HAN}]")

_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
# Zero-width and invisible characters, BOMs, and control characters except \t and \n.
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad\u180e\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_SPACES = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")

_FULL_WIDTH_ALNUM = {
    code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}
_FULL_WIDTH_POINT = re.compile(r"(?<=\d)．(?=\d)")

# Spans where ASCII punctuation is syntax, not prose.
_PROTECTED = re.compile(
    rf"(?:https?|ftp)://[^\s{_HAN}{_CN_PUNCT}<>\"']+"
    rf"|www\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+[^\s{_HAN}{_CN_PUNCT}<>\"']*"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_PAIR = re.compile(r"\(([^()\n]*)\)")
_MARK = re.compile(r" *([,;:?!]) *")
_LONE_PAREN = re.compile(r"[()]")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")

_SPACE_RUN = re.compile(r" {2,}")
_SPACE_BY_PUNCT = re.compile(f" +(?=[{_CN_PUNCT}])|(?<=[{_CN_PUNCT}]) +")
_BLANK_RUN = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    """Return ``text`` with the safe width, space, punctuation and line-ending fixes."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    text = text.translate(_FULL_WIDTH_ALNUM)
    text = _FULL_WIDTH_POINT.sub(".", text)
    text = _chinese_punctuation(text)
    lines = [_SPACE_BY_PUNCT.sub("", _SPACE_RUN.sub(" ", line)).strip() for line in text.split("\n")]
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip("\n")


class _Spans:
    """Positions covered by a set of spans, looked up by bisection (a long file may hold
    thousands of URLs, and every punctuation mark asks)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [start for start, _ in merged]
        self.ends = [end for _, end in merged]

    def __contains__(self, position: int) -> bool:
        at = bisect_right(self.starts, position) - 1
        return at >= 0 and position < self.ends[at]


def _protected_spans(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _PROTECTED.finditer(text)]


def _is_context(text: str, position: int) -> bool:
    return 0 <= position < len(text) and _CONTEXT.match(text, position) is not None


def _chinese_punctuation(text: str) -> str:
    if not _CONTEXT.search(text):
        return text
    text = _convert_pairs(text)
    text = _convert_lone_parens(text)
    return _convert_marks(text)


def _convert_pairs(text: str) -> str:
    """``(…)`` becomes ``（…）`` when it holds Chinese or stands in Chinese context
    without hanging on an ASCII word (``f(x)`` stays)."""
    spans = _Spans(_protected_spans(text))

    def replace(match: re.Match[str]) -> str:
        start, end = match.span()
        if start in spans:
            return match.group(0)
        before = text[start - 1] if start else ""
        chinese = _HAN_CHAR.search(match.group(1)) is not None or (
            not _ASCII_ALNUM.match(before) and (_is_context(text, start - 1) or _is_context(text, end))
        )
        return f"（{match.group(1)}）" if chinese else match.group(0)

    return _PAIR.sub(replace, text)


def _convert_lone_parens(text: str) -> str:
    """An unpaired parenthesis next to Chinese (``（一)``) becomes full-width; a pair
    left half-width by ``_convert_pairs`` stays as it is."""
    spans = _Spans(_protected_spans(text) + [match.span() for match in _PAIR.finditer(text)])

    def replace(match: re.Match[str]) -> str:
        start = match.start()
        if start in spans or not (_is_context(text, start - 1) or _is_context(text, start + 1)):
            return match.group(0)
        return _HALF_TO_FULL[match.group(0)]

    return _LONE_PAREN.sub(replace, text)


def _convert_marks(text: str) -> str:
    """, ; : ? ! next to Chinese become full-width (and lose the spaces around them);
    between two digits they stay: 1,200 3:2 10:30."""
    spans = _Spans(_protected_spans(text))

    def replace(match: re.Match[str]) -> str:
        mark_at = match.start(1)
        if mark_at in spans:
            return match.group(0)
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if before.isdigit() and after.isdigit() and match.group(0) == match.group(1):
            return match.group(0)
        if _is_context(text, match.start() - 1) or _is_context(text, match.end()):
            return _HALF_TO_FULL[match.group(1)]
        return match.group(0)

    return _MARK.sub(replace, text)
