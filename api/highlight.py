"""Marking the query's words in a result: HTML-escaped text with <mark> around matches.

Terms are in matching form (simplified characters, half-width), and so is the text they
are looked for in, so a simplified query marks its words in a traditional-character
document too; the marks go around the characters as written. OpenCC keeps the length
of the text (ingest/matching_form.py), so a position in the folded text is the same
position in the original; when a conversion ever changes the length, the original is
searched instead.
"""

from __future__ import annotations

import html
import re

from ingest.matching_form import fold
from ingest.tokenizer import highlight_terms


def _searchable(text: str) -> str:
    folded = fold(text)
    return folded if len(folded) == len(text) else text


def matched_terms(query: str, text: str) -> list[str]:
    lowered = _searchable(text).lower()
    return [term for term in highlight_terms(query) if term in lowered]


def highlight(text: str, terms: list[str]) -> str:
    """Escape ``text`` for HTML and wrap every occurrence of ``terms`` in <mark>."""
    if not terms:
        return html.escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(_searchable(text)):
        parts.append(html.escape(text[last : match.start()]))
        parts.append(f"<mark>{html.escape(text[match.start() : match.end()])}</mark>")
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)
