"""The topic words read from a question: what it asks about, without its question
words, and without words jieba could only guess."""

from __future__ import annotations

from index.question_plan import plan_cue_words
from index.question_terms import topic_words


def words(question: str) -> list[str]:
    return [word.text for word in topic_words(question)]


def test_single_noun_characters_after_a_verb_are_read_as_one_word():
    """jieba cuts 「算碳账」 into 算 / 碳 / 账: the verb is dropped, 碳账 is the topic."""
    assert "碳账" in words("村里是怎么算碳账的？")
    assert "绿氨" in words("有园区在做绿氨项目吗？")


def test_a_regex_cue_leaves_the_words_between_its_parts_in_the_topic():
    """「能不能[…]替代」 says the question is about a practice; 「用生物质炭」 between
    its parts is what it is about."""
    question = "铁合金企业能不能用生物质炭替代部分还原剂？"
    assert "能不能" in plan_cue_words(question)
    assert "生物质" in words(question)
