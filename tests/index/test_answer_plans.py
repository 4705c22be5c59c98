"""Each question kind gets the answer it asks for, over the demo-corpus subset (every
pilot's experience summary, and the plan and reports of 凤鸣 and 清泉): practices of
several pilots with 做法 and 成效 apart, a table across pilots, a cited sentence, and
refusals that say what is missing — even when the question shares a word with the
corpus."""

from __future__ import annotations

import re

import pytest

from index import SearchFilters
from index.answer_model import Plan
from ingest.practice_parts import Role, sentence_role
from tests.conftest import small_kb, write_doc

TABLE_LINE = re.compile(r"^(?:[^：；。]{1,16}：[^：；。]{0,40}；){2,}")


def answer(kb, question, **filters):
    result, generated = kb.answer(question, SearchFilters.parse(**filters))
    assert generated is False
    return result


def test_how_did_others_do_it_shows_practices_of_several_parks(kb):
    result = answer(kb, "其他园区是怎么利用余热的？")
    assert result.found and result.plan is Plan.PRACTICE
    parks = {p.pilot_id for p in result.practices}
    assert len(parks) >= 2 and all(p.pilot_type == "园区" for p in result.practices)
    for practice in result.practices:
        assert practice.method, practice.title
        assert all(sentence_role(s.text) is not Role.FRAME for s in practice.sentences())
        assert all(not TABLE_LINE.match(s.text) for s in practice.sentences())
        cited = {result.citation(n).pilot for s in practice.sentences() for n in s.citations}
        assert cited == {practice.pilot}
    # 成效 is a result sentence (a figure with what it achieved), shown apart from 做法.
    effects = [s for p in result.practices for s in p.effect]
    assert effects and all(sentence_role(s.text) is Role.EFFECT for s in effects)


def test_an_intensity_question_is_answered_with_methods_not_the_figure_alone(kb):
    result = answer(kb, "其他园区是怎么降低单位产值能耗的？")
    assert result.found and result.plan is Plan.PRACTICE
    assert len({p.pilot_id for p in result.practices}) >= 2
    methods = [s.text for p in result.practices for s in p.method]
    assert not any(TABLE_LINE.match(text) for text in methods)


def test_practices_per_pilot_type_named_in_the_question(kb):
    result = answer(kb, "乡村试点的屋顶光伏是怎么推广的？")
    assert result.found and result.plan is Plan.PRACTICE
    assert {p.pilot_type for p in result.practices} == {"乡村"}
    assert len({p.pilot_id for p in result.practices}) >= 2
    assert any("屋顶" in s.text for p in result.practices for s in p.method)


def test_compare_question_gets_a_table_across_pilots_with_sources(kb):
    result = answer(kb, "哪个村的清洁取暖率最高？")
    assert result.found and result.plan is Plan.COMPARE
    table = result.table
    assert len({row.pilot_id for row in table.rows}) >= 2
    values = [row.value for row in table.rows]
    assert values == sorted(values, reverse=True)
    for row in table.rows:
        assert row.unit == "%" and "清洁取暖" in row.name
        assert row.sentence.strip() in result.citation(row.citation).chunk_text
    if not table.comparable:
        assert "时期不同" in table.caveat or "单位不同" in table.caveat


def test_fact_question_gets_the_sentence_with_the_figure(kb):
    result = answer(kb, "清泉园区一期二氧化碳捕集装置是什么时候投运的？")
    assert result.found and result.plan is Plan.FACT
    best = result.sentences()[0]
    assert "2023年11月" in best.text
    assert result.citation(best.citations[0]).pilot == "宁东清泉煤化工产业园"


def test_a_measure_stated_only_by_its_unit_answers_a_quantity_question(kb):
    # The sentence says 「单次换电约5分钟」, never 「时间」: the unit states the measure.
    result = answer(kb, "西岭建材电动重卡换一次电要多长时间")
    assert result.found and result.plan is Plan.FACT
    assert any(re.search(r"\d+\s*分钟", s.text) for s in result.sentences()[:2])


def test_traditional_characters_find_what_simplified_ones_do(kb):
    simplified = answer(kb, "其他园区是怎么利用余热的？")
    traditional = answer(kb, "其他園區是怎麼利用餘熱的？")
    assert traditional.found and traditional.plan is Plan.PRACTICE
    assert [p.practice_id for p in traditional.practices] == [p.practice_id for p in simplified.practices]
    assert traditional.question == "其他園區是怎麼利用餘熱的？"


def test_a_homophone_typo_is_read_as_the_corpus_word_and_said(kb):
    result = answer(kb, "其他园区是怎么利用鱼热的？")
    assert [(c.typed, c.meant) for c in result.corrections] == [("鱼热", "余热")]
    assert result.found and "已按“余热”理解“鱼热”" in result.note


def test_near_domain_question_is_refused_naming_what_is_missing(kb):
    result = answer(kb, "有没有企业做电解铝节能降碳的？")
    assert not result.found
    assert "电解铝" in result.missing and "电解铝" in result.note
    assert "最接近的材料" in result.note and result.related


@pytest.mark.parametrize(
    ("question", "shared"),
    [
        ("光伏股票现在能买吗，怎么开户？", "光伏"),
        ("水泥地面起砂了怎么修补？", "水泥"),
        ("新生儿喝哪种奶粉比较好？", "奶粉"),
    ],
)
def test_off_topic_question_sharing_a_word_with_the_corpus_is_refused(kb, question, shared):
    assert any(shared in hit.record.text for hit in kb.search(shared, top_k=20)), "the word must occur"
    result = answer(kb, question)
    assert not result.found and not result.groups and not result.practices


def test_a_figure_for_a_period_the_documents_do_not_report_is_refused(kb):
    result = answer(kb, "清泉园区2023年上半年的绿氢产量是多少？")
    assert not result.found
    assert "2023年上半年" in result.note


def test_a_traditional_document_is_found_by_a_simplified_question_and_quoted_as_written(tmp_path):
    write_doc(
        tmp_path / "corpus" / "park-tw",
        "summary.md",
        title="示範園區經驗總結",
        pilot="示範園區",
        body="## 二、主要做法\n### （一）餘熱梯級利用\n園區建設蒸汽管網，回收低溫餘熱發電，年節約標準煤2.9萬噸。",
    )
    kb = small_kb(tmp_path / "data")
    try:
        assert not kb.ingest([tmp_path / "corpus"]).errors
        hits = kb.search("余热梯级利用", top_k=3)
        assert hits and "餘熱" in hits[0].record.text  # stored and shown as written
        assert hits[0].bm25_score and hits[0].bm25_score > 0  # matched through the folded tokens
        result = answer(kb, "园区是怎么利用余热的？")
        assert result.found and any("餘熱" in s.text for s in result.sentences())
    finally:
        kb.close()


def test_who_has_not_reported_is_answered_from_the_catalogue_with_each_latest_report(kb):
    """No report says that a report is missing: the catalogue does. Each pilot the
    answer names is shown with the opening and the signed date of its latest report."""
    result = answer(kb, "哪个试点还没有报送2026年下半年的工作进展报告？")
    assert result.found and result.plan is Plan.STATUS
    reporting = {"宁东清泉煤化工产业园", "银川市凤鸣区"}  # the pilots of the subset with reports
    assert reporting <= set(result.groups) and all(name in result.note for name in reporting)
    assert "2026年下半年" in result.note
    for pilot, sentences in result.groups.items():
        cited = {result.citation(n).doc_id for s in sentences for n in s.citations}
        assert len(cited) == 1 and cited.pop().endswith("/report-2026H1"), pilot
        assert re.search(r"20\d{2}年\d{1,2}月\d{1,2}日$", sentences[-1].text), sentences[-1].text


def test_one_pilots_latest_report_and_whether_a_half_year_is_in(kb):
    result = answer(kb, "清泉园区最近一期进展报告是什么时候报的？2026年上半年的报了没有？")
    assert result.found and list(result.groups) == ["宁东清泉煤化工产业园"]
    assert "均已收录" in result.note
    [signed] = [s.text for s in result.groups["宁东清泉煤化工产业园"] if re.search(r"\d+月\d+日$", s.text)]
    assert signed.endswith("2026年7月9日")


def test_a_target_question_the_reports_do_not_word_is_answered_with_target_and_latest_figure(kb):
    """「…要到X，现在到多少了」 about one pilot: no sentence says it in those words, the
    target and the latest reported figure of that indicator do."""
    result = answer(kb, "凤鸣区2026年非化石能源消费占比要到22%，现在到多少了？")
    assert result.found, result.note
    texts = [s.text for s in result.sentences()]
    assert any("非化石能源消费占比" in text for text in texts)
    assert {result.citation(n).pilot for s in result.sentences() for n in s.citations} == {"银川市凤鸣区"}


def test_a_near_miss_on_one_object_is_refused_naming_it(kb):
    """氢燃料电池 is in the corpus (heavy trucks); 公交车 powered by it is not."""
    result = answer(kb, "有没有试点用氢燃料电池公交车？")
    assert not result.found and "公交车" in result.missing


def test_a_rate_the_documents_do_not_state_is_refused(kb):
    """「上架率」 asked beside sentences about 机柜 and 机架 that state no such rate."""
    result = answer(kb, "金沙园区数据中心机柜上架率是多少？")
    assert not result.found and any("上架" in word for word in result.missing)


def test_an_everyday_measure_is_read_as_the_documents_name_it(kb):
    """「光伏发了多少电」 asks for 发电量: the answer states generation, not capacity."""
    result = answer(kb, "翠柳社区的光伏发了多少电？")
    assert result.found, result.note
    texts = [s.text for s in result.sentences()]
    assert texts and re.search(r"发电[^，；。]*\d", texts[0]), texts  # the first sentence states it


def test_a_share_is_answered_by_a_percentage(kb):
    """「股比多少」 is answered by 「控股51%、…参股49%」: a percentage states a share."""
    result = answer(kb, "红柳湾村粪污处理服务公司的股比是多少？")
    assert result.found, result.note
    assert re.search(r"\d+%", result.sentences()[0].text), result.sentences()[0].text


def test_a_word_jieba_glues_to_a_verb_is_not_a_missing_topic(kb):
    """「孔有多深」: jieba guesses 孔有 as a word; it names nothing the answer must repeat."""
    result = answer(kb, "滨河实验学校的地源热泵打了多少口换热孔，孔有多深？")
    assert result.found, result.note
    assert "孔有" not in result.missing
    assert any("米" in s.text and "孔" in s.text for s in result.sentences())


def test_a_type_word_inside_across_or_between_does_not_narrow_the_pilots(kb):
    """「跨企业统一供蒸汽」 asks for what joins enterprises (a park's steam network), not
    for enterprise pilots."""
    result = answer(kb, "余热蒸汽是怎么跨企业统一供应的？")
    assert result.found
    assert "园区" in {p.pilot_type for p in result.practices}


def test_a_question_about_one_year_is_answered_by_the_sentence_about_that_year(tmp_path):
    """The sentence ranked first may report the year before (「完成2024年度…核查」); the
    answer is the best sentence about the year asked, not a refusal."""
    write_doc(
        tmp_path / "corpus" / "village-demo",
        "report.md",
        title="示范村试点进展报告",
        pilot="示范村",
        pilot_type="乡村",
        doc_type="进展报告",
        body=(
            "## 一、主要工作进展\n### （一）村域碳排放核查\n"
            "第三方机构完成2024年度村域碳排放核查，核查结果显示全村温室气体排放3.91万吨二氧化碳当量。"
            "2025年度村域碳排放核查显示全村排放3.52万吨二氧化碳当量。\n"
            "### （二）清洁取暖\n完成农户清洁取暖改造120户。"
        ),
    )
    kb = small_kb(tmp_path / "data")
    try:
        assert not kb.ingest([tmp_path / "corpus"]).errors
        result = answer(kb, "示范村2025年度村域温室气体排放核查结果是多少？")
        assert result.found
        assert "3.52万吨" in result.sentences()[0].text
    finally:
        kb.close()


def test_a_figure_from_an_indicator_table_is_answered_with_its_whole_row(kb):
    """The row's fields used to be sentences of their own: the answer read 「统计口径：
    2025年1—6月。指标：绿氢产量；」, the end of one row and the name of the next."""
    result = answer(kb, "清泉园区2025年绿氢产量是多少？")
    assert result.found
    texts = [s.text for s in result.sentences()]
    assert "指标：绿氢产量；单位：吨；2025年目标：9000；完成值：8,580；统计口径：2025年全年。" in texts, texts
    assert not [t for t in texts if t.startswith(("统计口径：", "完成值：", "单位：")) or t.count("指标：") > 1], texts


def test_a_half_year_named_by_its_months_answers_a_question_about_that_half(tmp_path):
    """「2026年1—6月」 in a table's 统计口径 is the first half of 2026: a figure only the
    table gives was refused as not mentioning 「2026年上半年」."""
    table = (
        "| 指标 | 单位 | 2026年目标 | 完成值 | 统计口径 |\n| --- | --- | --- | --- | --- |\n"
        "| 可再生能源消费占比 | % | 50 | 48.2 | 2026年1—6月 |\n"
        "| 单位建筑面积能耗较2023年同期下降 | % | 24 | 23.5 | 2026年1—6月 |"
    )
    write_doc(
        tmp_path / "corpus" / "public-school",
        "report-2026H1.md",
        title="某学校碳达峰试点2026年上半年工作进展报告",
        pilot="public-school",
        pilot_type="公共机构",
        doc_type="进展报告",
        extra="period: 2026H1\n",
        body=f"## 一、上半年主要工作进展\n热泵系统运行稳定，完成首个全电采暖季。\n\n## 二、主要指标完成情况\n{table}",
    )
    kb = small_kb(tmp_path / "data")
    try:
        assert not kb.ingest([tmp_path / "corpus"]).errors
        result = answer(kb, "某学校2026年上半年可再生能源消费占比是多少？")
        assert result.found, result.note
        assert (
            result.sentences()[0].text.startswith("指标：可再生能源消费占比；") and "48.2" in result.sentences()[0].text
        )
    finally:
        kb.close()


def test_a_question_about_now_is_answered_from_the_pilots_latest_report(kb):
    """「…现在是多少」: the latest report's figure, not the plan's target or an older
    report's (翠柳's 充电桩 came back as 2024H2's 326 beside the plan's 500)."""
    result = answer(kb, "清泉园区余热资源回收利用率现在是多少？")
    assert result.found and "最近一期（2026年上半年）" in result.note, result.note
    cited = {result.citation(n).doc_id for s in result.sentences() for n in s.citations}
    assert cited == {"park-ningdong-qingquan/report-2026H1"}
    assert any("70.6" in s.text for s in result.sentences())
    # A period named in the question is that period's, not the latest.
    named = answer(kb, "清泉园区2025年余热资源回收利用率是多少？")
    assert "最近一期" not in named.note and any("69.1" in s.text for s in named.sentences())
