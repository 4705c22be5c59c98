"""normalise_text: width, space and punctuation fixes that are safe for Chinese text."""

import pytest

from ingest.text_normal import normalise_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("园区装机１．５万千瓦，完成率１５％", "园区装机1.5万千瓦，完成率15％"),
        ("一、\u3000总体要求", "一、总体要求"),
        ("\u3000\u3000园区推进余热利用。", "园区推进余热利用。"),
        ("园区, 推进余热利用;完成率35%,较上年提高3.5个百分点", "园区，推进余热利用；完成率35%，较上年提高3.5个百分点"),
        ("是否达标?已达标!", "是否达标？已达标！"),
        ("注:能耗按等价值计算", "注：能耗按等价值计算"),
        ("(一)主要目标", "（一）主要目标"),
        ("(1)推进余热利用", "（1）推进余热利用"),
        ("（一)主要目标", "（一）主要目标"),
        ("GDP(国内生产总值)增长", "GDP（国内生产总值）增长"),
    ],
)
def test_fixes(raw, expected):
    assert normalise_text(raw) == expected


@pytest.mark.parametrize(
    "kept",
    [
        "共计1,200吨标准煤",
        "装机3.5万千瓦",
        "会议于10:30召开",
        "比例为1:2",
        "详见http://www.example.gov.cn/a?id=1,2&x=(3)。",
        "网址www.example.gov.cn/x:y是演示地址",
        "联系邮箱demo@example.gov.cn。",
        "函数f(x)的取值",
        "Hello, world: ok? yes!",
    ],
)
def test_numbers_urls_and_ascii_text_are_left_alone(kept):
    assert normalise_text(kept) == kept


def test_invisible_characters_line_endings_and_spaces():
    raw = "\ufeff碳\u200b达\u00ad峰\r\n\r\n\r\n\r\n下一行  有\t\t空格  \r最后\u2028一行\x07"
    assert normalise_text(raw) == "碳达峰\n\n下一行 有 空格\n最后\n一行"


def test_traditional_characters_are_not_converted():
    assert normalise_text("賀蘭山示範園區推進餘熱利用, 成效顯著") == "賀蘭山示範園區推進餘熱利用，成效顯著"
