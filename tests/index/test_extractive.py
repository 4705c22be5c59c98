"""Extractive answers: the sentence that answers, cited, grouped by pilot — or "not found"."""

from __future__ import annotations

from index.catalog import ChunkRecord
from index.extractive import (
    Answer,
    answer,
    candidates,
    figures_matched,
    join_dependent,
    kind_offers,
    messages,
    question_content,
    rank,
)
from index.hybrid import ScoredChunk
from index.question_kind import QuestionKind
from ingest.sentences import split_sentences

QINGQUAN = "宁东清泉煤化工产业园"
CUILIU = "银川翠柳社区"


def hit(
    text,
    *,
    doc_id="park-plan",
    position=0,
    pilot=QINGQUAN,
    title="宁东清泉煤化工产业园碳达峰试点经验总结",
    heading="二、主要做法 > （一）余热余压利用",
    score=1.0,
) -> ScoredChunk:
    metadata = {
        "doc_id": doc_id,
        "title": title,
        "pilot": pilot,
        "pilot_type": "园区" if pilot else "",
        "heading_path": heading,
    }
    record = ChunkRecord(f"{doc_id}-{position}", doc_id, position, text, metadata, "", "")
    return ScoredChunk(record, score, score, None)


HEAT = hit(
    "园区开展余热余压利用改造，推动企业节约标准煤。"
    "改造完成后，年节约标准煤1.2万吨，减少二氧化碳排放3.1万吨。"
    "下一步将在更多企业推广余热余压利用。"
)


def sentences(result: Answer) -> list[str]:
    return [sentence.text for sentence in result.sentences()]


def test_quantity_question_gets_the_figure_not_the_restatement():
    result = answer("园区余热余压利用改造每年节约标准煤多少？", [HEAT])
    assert result.found and result.kind is QuestionKind.QUANTITY
    assert sentences(result)[0] == "改造完成后，年节约标准煤1.2万吨，减少二氧化碳排放3.1万吨。"
    # The sentence that only repeats the question's words ranks below the one with the figure.
    ranked = [item.candidate.text for item in rank("园区余热余压利用改造每年节约标准煤多少？", [HEAT])]
    assert ranked.index("园区开展余热余压利用改造，推动企业节约标准煤。") > 0


def test_time_question_gets_the_date():
    chunk = hit(
        "园区建设80万吨/年二氧化碳捕集压缩装置，分两期实施。"
        "二期装置于2025年8月投运，捕集能力达到80万吨/年。"
        "二氧化碳通过管道输送至周边油田驱油封存。",
        heading="二、主要做法 > （三）CCUS全链条",
    )
    result = answer("二氧化碳捕集二期装置什么时候投运？", [chunk])
    assert result.kind is QuestionKind.TIME
    assert "2025年8月" in sentences(result)[0]


def test_the_period_named_in_the_question_decides():
    chunk = hit(
        "2024年上半年园区单位工业增加值能耗同比下降3.3%。2025年上半年园区单位工业增加值能耗同比下降4.2%。",
        heading="三、取得成效",
    )
    result = answer("2025年上半年单位工业增加值能耗下降了多少？", [chunk])
    assert sentences(result)[0] == "2025年上半年园区单位工业增加值能耗同比下降4.2%。"
    assert figures_matched("2025年上半年下降多少", "2024年上半年下降3.3%") == 0.0
    assert figures_matched("2025年上半年下降多少", "2025年上半年下降4.2%") == 1.0


def test_thin_evidence_says_not_found_and_offers_related_material():
    waste = hit(
        "社区推行垃圾分类积分制，居民投放可回收物可兑换生活用品。",
        doc_id="cuiliu-summary",
        pilot=CUILIU,
        title="银川翠柳社区碳达峰试点经验总结",
        heading="二、主要做法",
    )
    result = answer("氢燃料电池重卡累计行驶了多少公里？", [waste])
    assert result.found is False
    assert result.groups == {} and result.citations == []
    assert [c.doc_id for c in result.related] == ["cuiliu-summary"]
    assert result.related[0].n == 1 and result.related[0].pilot == CUILIU
    assert result.note == messages()["not_found"].format(question="氢燃料电池重卡累计行驶了多少公里？")
    assert "知识库中没有找到" in result.note


def test_a_question_without_content_is_refused():
    result = answer("是什么？", [HEAT])
    assert result.found is False and result.note == messages()["empty_question"]
    assert question_content("是什么？").strip("，？") == ""


def test_sentences_are_cited_and_grouped_by_pilot():
    park = hit("园区建设18公里蒸汽互联管网，年节约标准煤约17.5万吨。", doc_id="park", score=0.9)
    community = hit(
        "社区实施既有建筑节能改造，年节约标准煤约0.3万吨。",
        doc_id="community",
        pilot=CUILIU,
        title="银川翠柳社区碳达峰试点经验总结",
        heading="二、主要做法 > （二）建筑节能",
        score=0.8,
    )
    result = answer("试点节约标准煤多少万吨？", [park, community])
    assert result.found
    assert list(result.groups) == [QINGQUAN, CUILIU]
    for pilot, group in result.groups.items():
        for sentence in group:
            [n] = sentence.citations
            citation = result.citation(n)
            assert citation.pilot == pilot
            assert sentence.text in citation.chunk_text
    community_citation = result.citation(result.groups[CUILIU][0].citations[0])
    assert community_citation.heading_path == "二、主要做法 > （二）建筑节能"
    assert community_citation.title == "银川翠柳社区碳达峰试点经验总结"
    assert [c.n for c in result.citations] == list(range(1, len(result.citations) + 1))


def test_documents_without_pilot_are_grouped_under_their_title_or_a_label():
    """A programme document belongs to no pilot: its title names its group, and a
    document with neither pilot nor title falls under the 其他来源 label."""
    text = "到2025年，建成16个碳达峰试点，其中企业类试点5个。"
    policy = hit(text, doc_id="plan", pilot="", title="宁夏碳达峰试点建设方案", heading="二、主要目标")
    result = answer("企业类试点建设多少个？", [policy])
    assert list(result.groups) == ["宁夏碳达峰试点建设方案"]
    untitled = hit(text, doc_id="plan", pilot="", title="", heading="二、主要目标")
    result = answer("企业类试点建设多少个？", [untitled])
    assert list(result.groups) == [messages()["no_pilot"]]


def test_returned_sentences_are_whole_sentences_with_their_units():
    result = answer("园区余热余压利用改造每年节约标准煤多少？", [HEAT])
    chunk_sentences = split_sentences(HEAT.record.text)
    for text in sentences(result):
        assert text in chunk_sentences
    assert "1.2万吨" in sentences(result)[0]


def test_a_sentence_that_leans_on_the_previous_one_is_shown_with_it():
    chunk = hit("园区把煤矿疏干水作为第二水源，替代黄河水作循环水补充水。因此年可减少黄河取水约1500万立方米。")
    pool = candidates([chunk])
    join_dependent(pool)
    assert (
        pool[1].text == "园区把煤矿疏干水作为第二水源，替代黄河水作循环水补充水。因此年可减少黄河取水约1500万立方米。"
    )
    assert pool[1].joined == 0 and pool[0].text == pool[0].sentence
    result = answer("为什么能减少黄河取水？", [chunk])
    # The pair and its first sentence are never both shown.
    shown = sentences(result)
    assert shown[0] == pool[1].text
    assert pool[0].sentence not in shown[1:]


def test_overlapping_chunks_do_not_repeat_a_sentence():
    first = hit("园区建设ORC机组。低温余热用于发电。", position=0)
    second = hit("低温余热用于发电。循环水余热向镇区供暖。", position=1, score=0.7)
    pool = candidates([first, second])
    assert [c.sentence for c in pool] == ["园区建设ORC机组。", "低温余热用于发电。", "循环水余热向镇区供暖。"]
    assert pool[1].sources == [0, 1]
    assert (pool[1].previous, pool[1].following) == (0, 2)


def test_kind_offers_count_only_what_the_question_lacks():
    assert kind_offers(QuestionKind.QUANTITY, "年节约标准煤1.2万吨。", "节约标准煤多少？") == 1.0
    assert kind_offers(QuestionKind.QUANTITY, "年节约标准煤1.2万吨。", "节约1.2万吨标准煤的是哪个园区？") == 0.0
    assert kind_offers(QuestionKind.TIME, "二期装置于2025年8月投运。", "二期装置何时投运？") >= 1.0
    assert kind_offers(QuestionKind.TIME, "二期装置已经投运。", "二期装置何时投运？") == 0.0


def test_no_hits_is_not_found_with_nothing_related():
    result = answer("园区节约了多少标准煤？", [])
    assert result.found is False and result.related == [] and result.groups == {}
    assert result.note.startswith("知识库中没有找到")


def test_ordinals_named_in_the_question_decide_too():
    chunk = hit(
        "一期装置自2023年11月投运以来累计捕集二氧化碳约60万吨。二期装置于2025年8月投运，捕集能力达到80万吨/年。",
        heading="二、主要做法 > （三）CCUS全链条",
    )
    assert figures_matched("二期装置什么时候投运？", "一期装置自2023年11月投运") == 0.0
    assert sentences(answer("二期装置什么时候投运？", [chunk]))[0].startswith("二期装置")
