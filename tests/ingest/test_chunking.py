"""Chunks follow sentences, stay near the target size, overlap, and never cross sections."""

import re
from itertools import pairwise

from ingest.chunking import ChunkingOptions, chunk_sections
from ingest.documents import Section

SENTENCES = [f"第{i}项措施使园区年节约标准煤{i}.5万吨。" for i in range(40)]


def test_chunks_are_whole_sentences_near_target_size():
    section = Section(("二、主要做法",), ["".join(SENTENCES)])
    chunks = chunk_sections([section], ChunkingOptions(size=120, overlap=30))
    assert len(chunks) > 5
    for chunk in chunks:
        assert chunk.text.endswith("。")
        assert len(chunk.text) <= 120 * 1.5
        assert re.search(r"\d+\.5万吨", chunk.text)


def test_consecutive_chunks_overlap_by_whole_sentences():
    section = Section(("二、主要做法",), ["".join(SENTENCES)])
    chunks = chunk_sections([section], ChunkingOptions(size=120, overlap=30))
    for previous, following in pairwise(chunks):
        last_sentence = re.findall(r"[^。]+。", previous.text)[-1]
        assert following.text.startswith(last_sentence)


def test_every_sentence_is_in_some_chunk_and_sections_stay_apart():
    sections = [Section(("一、甲",), SENTENCES[:10]), Section(("二、乙",), SENTENCES[10:])]
    chunks = chunk_sections(sections, ChunkingOptions(size=100, overlap=0))
    joined = "".join(chunk.text for chunk in chunks)
    assert all(sentence in joined for sentence in SENTENCES)
    assert {chunk.heading_path for chunk in chunks} == {("一、甲",), ("二、乙",)}
    assert not any(SENTENCES[9] in c.text and SENTENCES[10] in c.text for c in chunks)


def test_options_refuse_overlap_not_smaller_than_size():
    try:
        ChunkingOptions(size=100, overlap=100)
    except ValueError as error:
        assert "overlap" in str(error)
    else:
        raise AssertionError("overlap >= size must be refused")
