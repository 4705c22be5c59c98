"""Official numbering (一、 （一） 1. （1）) is recognised as structure."""

from ingest.numbering import numbering_level, split_numbered


def test_levels_from_outermost():
    assert numbering_level("一、总体要求") == 1
    assert numbering_level("（三）强化科技支撑。") == 2
    assert numbering_level("(三)强化科技支撑") == 2
    assert numbering_level("2. 建设余热电站") == 3
    assert numbering_level("（1）低压蒸汽") == 4


def test_numbers_that_are_not_numbering():
    assert numbering_level("3.5万千瓦的光伏已并网") == 0
    assert numbering_level("2025年完成改造") == 0
    assert numbering_level("园区一、二期工程") == 0


def test_lead_phrase_becomes_heading_and_rest_body():
    numbered = split_numbered("（一）推进余热利用。园区建成余热电站2座。")
    assert numbered.heading == "（一）推进余热利用"
    assert numbered.body == "园区建成余热电站2座。"


def test_long_numbered_sentence_gets_short_heading_cut_outside_numbers():
    text = "（一）确保分布式光伏年底累计达到25万千瓦以上储能达到4万千瓦同时完成其余各项工作任务。"
    numbered = split_numbered(text)
    assert numbered.body == text
    assert numbered.heading == "（一）确保分布式光伏年底累计达到25万千瓦以上储…"


def test_cut_moves_back_before_a_figure_it_would_split():
    text = "（二）推进园区循环化改造和资源综合利用工作累计12.5万千瓦光伏并网发电运行良好效益显著取得实效。"
    heading = split_numbered(text).heading
    assert heading == "（二）推进园区循环化改造和资源综合利用工作累计…"
