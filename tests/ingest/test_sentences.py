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


def test_a_key_indicator_row_is_one_sentence_and_every_character_is_kept():
    from ingest.sentences import is_row_field, split_keeping_rows

    text = (
        "上半年生产绿氢3460吨。指标：绿氢产能；单位：万吨/年；2025年目标：1.2；完成值：1.2；统计口径：截至2025年底。"
        "指标：绿氢产量；单位：吨；2025年目标：9000；完成值：8,580；统计口径：2025年全年。注：产量为全年数。"
    )
    pieces = split_keeping_rows(text)
    assert "".join(pieces) == text
    assert pieces == [
        "上半年生产绿氢3460吨。",
        "指标：绿氢产能；单位：万吨/年；2025年目标：1.2；完成值：1.2；统计口径：截至2025年底。",
        "指标：绿氢产量；单位：吨；2025年目标：9000；完成值：8,580；统计口径：2025年全年。",
        "注：产量为全年数。",
    ]
    # A row cut by a chunk's edge leaves lone fields: they are told apart from sentences.
    cut = split_keeping_rows(
        "完成值：1.2；统计口径：截至2025年底。园区绿氢产能达到1.2万吨/年。指标：绿氢产量；单位：吨；"
    )
    assert [is_row_field(piece) for piece in cut] == [True, True, False, True, True]
    # 「主要指标：」 in prose is not a row.
    assert split_keeping_rows("主要指标：产能；产量。") == ["主要指标：产能；", "产量。"]
