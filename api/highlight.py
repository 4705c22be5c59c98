"""Marking the query's words in a result: HTML-escaped text with <mark> around matches."""

from __future__ import annotations

import html
import re

from ingest.tokenizer import highlight_terms


def matched_terms(query: str, text: str) -> list[str]:
    lowered = text.lower()
    return [term for term in highlight_terms(query) if term in lowered]


def highlight(text: str, terms: list[str]) -> str:
    """Escape ``text`` for HTML and wrap every occurrence of ``terms`` in <mark>."""
    if not terms:
        return html.escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        parts.append(html.escape(text[last : match.start()]))
        parts.append(f"<mark>{html.escape(match.group(0))}</mark>")
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)
