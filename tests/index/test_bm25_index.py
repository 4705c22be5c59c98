"""The BM25 index built from the catalogue's stored token texts scores as bm25s does
when handed the token lists itself (the way it was built before; index/bm25_index.py
says why the ids are made here)."""

from __future__ import annotations

from collections import Counter

import bm25s
import numpy as np

from index.bm25_index import Bm25Index


def _stored_tokens(kb) -> tuple[list[str], list[str]]:
    _, records = kb.catalog.snapshot(("generation",), with_tokens=True)
    return [record.tokens for record in records], [record.chunk_id for record in records]


def test_scores_and_frequencies_equal_bm25s_built_from_token_lists(kb):
    texts, chunk_ids = _stored_tokens(kb)
    token_lists = [text.split(" ") for text in texts]
    reference = bm25s.BM25()
    reference.index(token_lists, show_progress=False)
    built = Bm25Index.build(list(texts), chunk_ids, "g")

    # Queries made of the corpus's own tokens: rare and common ones, several per query.
    frequency = Counter(token for tokens in token_lists for token in set(tokens))
    by_rarity = [token for token, _ in sorted(frequency.items(), key=lambda item: (item[1], item[0]))]
    queries = [by_rarity[i : i + 3] for i in range(0, len(by_rarity), max(1, len(by_rarity) // 25))]
    assert len(queries) >= 20
    for query in queries:
        expected = reference.get_scores(query)
        assert np.allclose(built.scores(query), expected, rtol=1e-6, atol=1e-7), query
        assert np.count_nonzero(expected) > 0, query
    # Every vocabulary token: how many chunks hold it, counted here from the texts.
    assert sorted(built.vocabulary()) == sorted(reference.vocab_dict)  # bm25s adds "" to both
    assert all(built.document_frequency(token) == count for token, count in frequency.items())
    assert built.document_frequency("不在语料里的词") == 0


def test_a_chunk_without_tokens_keeps_its_row_and_scores_zero(kb):
    texts, chunk_ids = _stored_tokens(kb)
    texts = [texts[0], "", texts[1]]
    query = texts[0].split(" ")[:5]
    built = Bm25Index.build(list(texts), chunk_ids[:3], "g")
    scores = built.scores(query)
    assert len(scores) == 3 and scores[1] == 0 and scores[0] > 0
