"""What a question asks for, from the cue words in index/data/question_cues.txt."""

import pytest

from index.question_kind import CUES_FILE, QuestionKind, classify, cue_spans, parse_cues


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("清泉园区2024年节约了多少标准煤？", QuestionKind.QUANTITY),
        ("园区绿电消费占比是多少？", QuestionKind.QUANTITY),
        ("CCUS二期装置哪一年投运？", QuestionKind.TIME),
        ("分盐结晶装置是什么时候建成的？", QuestionKind.TIME),
        ("园区为什么要建设蒸汽互联管网？", QuestionKind.REASON),
        ("电解槽负荷率低的原因是什么？", QuestionKind.REASON),
        ("重点工程由哪个单位牵头实施？", QuestionKind.PERSON),
        ("试点领导小组的组长是谁？", QuestionKind.PERSON),
        ("加氢站建在哪里？", QuestionKind.PLACE),
        ("园区如何推行碳效码？", QuestionKind.METHOD),
        ("余热利用有哪些做法？", QuestionKind.METHOD),
        ("试点有哪些可推广经验？", QuestionKind.METHOD),
        ("园区建设了哪些重点工程？", QuestionKind.LIST),
        ("什么是碳效码？", QuestionKind.DEFINITION),
        ("试点园区的主导产业是什么？", QuestionKind.DEFINITION),
        ("园区用什么替代黄河水？", QuestionKind.OTHER),
        ("介绍一下清泉园区", QuestionKind.OTHER),
    ],
)
def test_classify_domain_questions(question, kind):
    assert classify(question) is kind


def test_longer_overlapping_cue_wins():
    # 「是什么」 and 「什么时候」 overlap; the longer one says what is asked.
    assert classify("碳效贷是什么时候开始发放的？") is QuestionKind.TIME
    # 「几月」 holds 「几」 but asks for a month, not a count.
    assert classify("储能项目几月并网？") is QuestionKind.TIME
    # 「哪些企业」 holds 「哪些」 but asks for organisations.
    assert classify("哪些企业接入了蒸汽管网？") is QuestionKind.PERSON


def test_question_word_of_a_specific_kind_beats_topic_noun():
    assert classify("如何提高绿电比例？") is QuestionKind.METHOD
    assert classify("非化石能源比例提高了多少？") is QuestionKind.QUANTITY


def test_ignored_words_are_not_cues():
    assert classify("几乎所有企业都完成了节能诊断吗") is QuestionKind.OTHER
    assert cue_spans("几乎所有企业") == []


def test_cue_spans_mark_where_the_answer_goes():
    question = "园区于哪年建成CCUS装置？"
    [span] = cue_spans(question)
    assert question[span.start : span.end] == "哪年"
    assert span.cue.kind is QuestionKind.TIME and not span.cue.topic


def test_parse_cues_reads_topics_ranks_and_ignores():
    table = parse_cues("# comment\ntime: 何时 ~日期\nquantity: 多少 几\nignore: 几乎\n")
    assert [(cue.text, cue.kind, cue.rank, cue.topic) for cue in table.cues] == [
        ("何时", QuestionKind.TIME, 0, False),
        ("日期", QuestionKind.TIME, 0, True),
        ("多少", QuestionKind.QUANTITY, 1, False),
        ("几", QuestionKind.QUANTITY, 1, False),
    ]
    assert table.ignored == ("几乎",)
    assert classify("签约日期是多少", table) is QuestionKind.QUANTITY
    assert classify("几乎没有", table) is QuestionKind.OTHER


def test_cue_file_names_every_kind_but_other_words_only_once_per_kind():
    table = parse_cues(CUES_FILE.read_text(encoding="utf-8"))
    assert {cue.kind for cue in table.cues} == set(QuestionKind)
    for kind in QuestionKind:
        texts = [cue.text for cue in table.cues if cue.kind is kind]
        assert len(texts) == len(set(texts)), kind
