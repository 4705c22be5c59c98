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
from functools import lru_cache

from ingest.matching_form import fold
from ingest.tokenizer import highlight_terms


def _searchable(text: str) -> str:
    folded = fold(text)
    return folded if len(folded) == len(text) else text


def matched_terms(query: str, text: str) -> list[str]:
    return QueryMarks(query).matched(_searchable(text))


class QueryMarks:
    """A query's highlight terms, worked out once for all the hits of a search.

    Why: a search marks ten hits; finding the query's words (jieba and the synonym
    table) once per hit, and compiling a pattern twice per hit, was a measurable part
    of what GET /search costs beyond the retrieval itself. The terms are worked out on
    first use, or by ``prepare``, which the search route has run beside the query's
    embedding (``KnowledgeBase.search(understood=...)``).
    """

    def __init__(self, query: str) -> None:
        self.query = query
        self._terms: list[str] | None = None

    @property
    def terms(self) -> list[str]:
        if self._terms is None:
            self.prepare()
            assert self._terms is not None
        return self._terms

    def prepare(self) -> None:
        """Work the terms out now."""
        if self._terms is None:
            self._terms = highlight_terms(self.query)

    def matched(self, searchable: str) -> list[str]:
        """The terms found in ``searchable`` (text already in matching form)."""
        lowered = searchable.lower()
        return [term for term in self.terms if term in lowered]

    def hit(self, heading: str, text: str) -> tuple[list[str], str, str]:
        """(matched terms, highlighted text, highlighted heading) of one result."""
        searchable_heading, searchable_text = _searchable(heading), _searchable(text)
        terms = self.matched(f"{searchable_heading}\n{searchable_text}")
        return (
            terms,
            _highlight(text, searchable_text, terms),
            _highlight(heading, searchable_heading, terms),
        )


@lru_cache(maxsize=256)
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


def highlight(text: str, terms: list[str]) -> str:
    """Escape ``text`` for HTML and wrap every occurrence of ``terms`` in <mark>."""
    return _highlight(text, _searchable(text) if terms else text, terms)


def _highlight(text: str, searchable: str, terms: list[str]) -> str:
    if not terms:
        return html.escape(text)
    pattern = _pattern(tuple(terms))
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(searchable):
        parts.append(html.escape(text[last : match.start()]))
        parts.append(f"<mark>{html.escape(text[match.start() : match.end()])}</mark>")
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)
