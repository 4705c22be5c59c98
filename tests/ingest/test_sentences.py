"""Chinese sentence boundaries, and numbers with units never cut."""

from ingest.sentences import split_long_sentence, split_sentences


def test_split_at_chinese_marks_with_closing_quotes():
    text = "园区建成光伏3.5万千瓦。他说：“成效明显！”下一步；继续推进"
    assert split_sentences(text) == ["园区建成光伏3.5万千瓦。", "他说：“成效明显！”", "下一步；", "继续推进"]


def test_every_character_kept():
    text = "一是加强组织领导；二是强化资金保障。三是……做好宣传！"
    assert "".join(split_sentences(text)) == text


def test_long_sentence_cut_at_commas_not_inside_figures():
    sentence = "园区" * 40 + "，累计装机容量达到12.5万千瓦，" + "储能" * 40 + "。"
    pieces = split_long_sentence(sentence, 60)
    assert "".join(pieces) == sentence
    assert any("12.5万千瓦" in piece for piece in pieces)
    assert all(len(piece) <= 90 for piece in pieces)
