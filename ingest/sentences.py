"""Chinese sentence boundaries.

llama-index's default splitter knows only Western punctuation. Here a sentence ends at
。！？；!?; or an ellipsis, together with any closing quotes or brackets that follow.
Decimal points and numbers with units are never boundaries, so 「3.5万千瓦」 stays whole.
"""

from __future__ import annotations

import re

_SENTENCE = re.compile(
    r"""
    .*?                                  # shortest run of text
    (?:[。！？；!?;]+|…{1,2}|\.{3,6})      # a sentence-ending mark (or ellipsis)
    [”’」』）)\]】〕》"']*                 # closing quotes and brackets that belong to it
    |.+$                                 # or the unterminated tail
    """,
    re.VERBOSE | re.DOTALL,
)

# Where a too-long sentence may be cut: after a comma-like mark.
_SOFT_BREAK = re.compile(r"(?<=[，,、：:])")
# A number with its unit must never be cut in two.
NUMBER_WITH_UNIT = re.compile(
    r"\d[\d,.．]*\s*(?:%|％|‰|万千瓦时|千瓦时|万千瓦|千瓦|兆瓦|吉瓦|万吨标准煤|吨标准煤|万吨|吨|"
    r"万元|亿元|元|平方米|万平方米|立方米|万立方米|公里|千米|米|亩|万亩|户|个|台|辆|座|项|家|人|年|月|日)?"
)


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, keeping every character exactly once."""
    text = text.strip()
    if not text:
        return []
    return [match.group(0) for match in _SENTENCE.finditer(text) if match.group(0).strip()]


# A key-indicator table row as the ingest writes it: 「指标：…；单位：…；完成值：…；统计口径：…。」,
# at the start of a line or after a sentence.
_TABLE_ROW = re.compile(r"(?:(?<=^)|(?<=[。！？\n]))[ \t]*(?:指标|指标名称)：[^。\n]*?；[^。\n]*。", re.MULTILINE)


# A piece of a row cut by a chunk's edge: one field, 「完成值：1.2；」「统计口径：截至2025年底。」.
_ROW_FIELD = re.compile(r"\s*(?:指标|指标名称|单位|完成值|统计口径|(?:20\d{2}年|年度)?目标(?:值)?)：[^。；]*[；。]\s*")


def is_table_row(sentence: str) -> bool:
    """Key-indicator table rows read 「指标：…；单位：…；…」."""
    return sentence.lstrip().startswith(("指标：", "指标名称：")) and "；" in sentence


def is_row_field(piece: str) -> bool:
    """A lone field of a table row (the rest of its row is in the next or previous chunk)."""
    return _ROW_FIELD.fullmatch(piece) is not None


def split_keeping_rows(text: str) -> list[str]:
    """``split_sentences``, with each key-indicator table row one sentence.

    Why: cut at its 「；」, a row's fields say nothing alone, and an answer made of them
    read 「统计口径：2026年1—6月。指标：可再生能源消费占比；」, the end of one row and the
    name of the next, without the value. Every character is kept exactly once.
    """
    pieces: list[str] = []
    position = 0
    for row in _TABLE_ROW.finditer(text):
        pieces.extend(split_sentences(text[position : row.start()]))
        pieces.append(row.group(0))
        position = row.end()
    pieces.extend(split_sentences(text[position:]))
    return [piece for piece in pieces if piece.strip()]


def safe_cut(text: str, limit: int) -> int:
    """Largest cut position <= limit that is not inside a number with its unit."""
    cut = limit
    for match in NUMBER_WITH_UNIT.finditer(text):
        if match.start() < cut < match.end():
            cut = match.start()
        if match.start() >= limit:
            break
    return cut if cut > 0 else limit


def split_long_sentence(sentence: str, max_chars: int) -> list[str]:
    """Cut one over-long sentence at commas, else at a safe position."""
    if len(sentence) <= max_chars:
        return [sentence]
    pieces: list[str] = []
    current = ""
    for clause in _SOFT_BREAK.split(sentence):
        if current and len(current) + len(clause) > max_chars:
            pieces.append(current)
            current = ""
        current += clause
        while len(current) > max_chars:
            cut = safe_cut(current, max_chars)
            pieces.append(current[:cut])
            current = current[cut:]
    if current:
        pieces.append(current)
    return pieces
