"""Which sentences of a practice are shown under 做法 and 成效: the ones about what the
question asks, read with the heading of the section they stand in."""

from __future__ import annotations

from index.catalog import ChunkRecord
from index.practice_answers import PracticeMatch, pick_sentences, practice_sentences
from index.question_terms import Topic
from ingest.extracted import Figure, Practice, PracticeSource

SUMMARY = "demo-town/summary"
REPORT = "demo-town/report-2026H1"


def record(chunk_id: str, doc_id: str, heading: str, text: str) -> ChunkRecord:
    return ChunkRecord(chunk_id, doc_id, 0, text, {"heading_path": heading}, "", "")


def match_of(
    title: str, chunks: list[ChunkRecord], *, description: str = "", title_coverage: float = 0.0, best_chunk: str = ""
) -> PracticeMatch:
    """A practice of one demo pilot whose source sections are ``chunks``, all retrieved."""
    practice = Practice(
        practice_id="p1",
        title=title,
        description=description,
        pilot="示范试点",
        pilot_id=chunks[0].doc_id.split("/")[0],
        pilot_type="园区",
        region="银川市",
        fields=[],
        sources=[PracticeSource(r.doc_id, "", "", "", "", r.metadata["heading_path"]) for r in chunks],
    )
    retrieved = {r.chunk_id for r in chunks}
    return PracticeMatch(practice, chunks, retrieved, 1.0, title_coverage, 1.0, best_chunk=best_chunk)


def village_practice(title: str, description: str, figures: list[Figure] | None = None) -> Practice:
    """A demo village's practice with no sources: for what is read from its text and figures."""
    return Practice(
        practice_id="p1",
        title=title,
        description=description,
        pilot="示范村",
        pilot_id="demo-village",
        pilot_type="乡村",
        region="吴忠市",
        fields=[],
        sources=[],
        figures=figures or [],
    )


def test_the_effect_shown_is_the_one_its_section_says_is_about_the_question():
    """「改造后的节能量怎么核定」: the summary's best-ranked section states a turnout, the
    report's section 「（二）节能量核定」 states the verified saving without the word 核定.
    The verified saving is the 成效 shown."""
    summary = record(
        "c1",
        SUMMARY,
        "二、主要做法 > （一）楼栋议事推进住宅节能改造",
        "社区把住宅节能改造的决策权交给楼栋议事会，逐栋确定改造内容。两批改造共召开楼栋议事会60场，投票率达到90%。",
    )
    report = record(
        "c2",
        REPORT,
        "一、主要工作进展 > （二）节能量核定",
        "采暖季结束后，社区会同供热企业核对热计量数据，改造楼栋采暖耗热量较改造前下降21.5%。",
    )
    match = match_of(
        "楼栋议事推进住宅节能改造",
        [summary, report],
        description=summary.text,
        title_coverage=0.2,
        best_chunk="c1",
    )
    question = Topic(terms=("改造", "节能量", "核定"), weights=(0.3, 1.5, 2.0), unknown=())

    _, effect = pick_sentences(match, question, practice_sentences(match))

    assert [s.record.chunk_id for s in effect] == ["c2"]
    assert "21.5%" in effect[0].text


def test_a_sentence_saying_more_of_the_question_comes_before_the_best_ranked_sections():
    """「驱油封存以后怎么监测泄漏」: the best-ranked section says that CO2 is stored; the
    report's sentence on monitoring wells is the how, and is shown, though the
    best-ranked section has method sentences enough to fill the answer."""
    plan = record(
        "c1",
        "demo-park/plan",
        "三、重点任务 > （三）二氧化碳捕集利用与封存",
        "建设二氧化碳输送管道，开展驱油封存。同步建设配套增压站，提高二氧化碳输送能力。",
    )
    report = record(
        "c2",
        "demo-park/report-2025H2",
        "一、主要工作进展 > （一）二期投运",
        "封存监测方面，在驱油区块布设监测井3口，建立泄漏监测方案。",
    )
    match = match_of("打通捕集利用全链条", [plan, report], best_chunk="c1")
    question = Topic(terms=("驱油", "封存", "监测", "泄漏"), weights=(1.0, 1.0, 1.5, 2.0), unknown=())

    method, _ = pick_sentences(match, question, practice_sentences(match))

    assert any("监测井" in s.text for s in method)


def test_a_practice_that_answers_through_its_result_alone_shows_no_unrelated_method():
    """No method sentence of the practice mentions what is asked; its result does. The
    answer shows the result, not the practice's opening sentence about loans."""
    section = record(
        "c1",
        "demo-works/report-2026H1",
        "一、主要工作进展 > （三）低碳原料替代",
        "资金方面，煤气发电二期工程获得绿色信贷授信1.6亿元，已提款0.9亿元。"
        "签订3年期供货协议后，硅锰炉生物质炭替代比例提高到10%。",
    )
    match = match_of("低碳原料替代", [section])
    question = Topic(terms=("生物质炭", "还原剂"), weights=(3.0, 3.0), unknown=())

    method, effect = pick_sentences(match, question, practice_sentences(match))

    assert not any("绿色信贷" in s.text for s in method)
    assert effect and "替代比例" in effect[0].text


def test_a_plans_project_is_never_shown_as_what_was_achieved():
    """「户用清洁取暖工程…改造农户270户，年替代散煤约680吨」 in a plan's 重点工程 reads like
    a result; the report's achieved figure is the 成效 shown, the plan's never."""
    plan = ChunkRecord(
        "c1",
        "demo-town/plan",
        0,
        "户用清洁取暖工程：改造农户270户，总投资864万元，年替代散煤约680吨。",
        {"heading_path": "四、重点工程 > （二）户用清洁取暖工程", "doc_type": "实施方案"},
        "",
        "",
    )
    report = ChunkRecord(
        "c2",
        REPORT,
        0,
        "完成第二批60户清洁取暖改造，全村清洁取暖率达到65.5%。",
        {"heading_path": "一、主要工作进展 > （二）清洁取暖", "doc_type": "进展报告"},
        "",
        "",
    )
    question = Topic(terms=("清洁取暖",), weights=(1.0,), unknown=())
    for chunks in ([plan, report], [plan]):
        match = match_of("户用清洁取暖", chunks, title_coverage=1.0, best_chunk="c1")
        _, effect = pick_sentences(match, question, practice_sentences(match))
        assert [s.record.chunk_id for s in effect] == (["c2"] if len(chunks) == 2 else [])


def test_a_baseline_or_a_target_is_not_a_practices_result():
    """「…综合利用率由2023年的82%提高到2025年8月底的94.6%」: the 汇编 listed 「82%（2023）」
    as 成效 beside the 94.6%."""
    from index.practice_effects import effect_figures

    sentence = "全村畜禽粪污综合利用率由2023年的82%提高到2025年8月底的94.6%。"
    figures = [
        Figure("畜禽粪污综合利用率", 82.0, "%", "82%", sentence, "2023", 2023, period_kind="基期"),
        Figure("畜禽粪污综合利用率", 94.6, "%", "94.6%", sentence, "2025H2", 2025, period_kind="累计"),
        Figure(
            "畜禽粪污综合利用率",
            95.0,
            "%",
            "95%",
            "到2025年畜禽粪污综合利用率达到95%。",
            "2025",
            2025,
            period_kind="目标",
        ),
    ]
    practice = village_practice("粪污统收统处", sentence, figures)
    assert [(f.value, f.period) for f in effect_figures(practice)] == [(94.6, "2025H2")]


def test_lessons_numbered_inline_are_items_of_their_own():
    """A 可推广经验 paragraph 「一是…。二是…。…上述做法适用于…」 was one lesson, pasted whole
    under one practice's 适用条件; each practice now gets the item that restates it."""
    from index.practice_effects import lesson_items, matching_lesson

    section = (
        "一是组织上，以村集体控股的服务公司为主体，把分散的粪污处理变成有收益的集体产业。"
        "二是技术上，“沼气热电联产+沼液管网+水肥一体化”成套模式成熟。"
        "三是群众参与上，碳账本让减排“看得见”，绿色积分让农户“得实惠”。"
        "上述做法适用于引黄灌区奶牛、肉牛养殖集中的村。"
    )
    items = lesson_items(section)
    assert items == [
        "组织上，以村集体控股的服务公司为主体，把分散的粪污处理变成有收益的集体产业。",
        "技术上，“沼气热电联产+沼液管网+水肥一体化”成套模式成熟。",
        "群众参与上，碳账本让减排“看得见”，绿色积分让农户“得实惠”。",
        "上述做法适用于引黄灌区奶牛、肉牛养殖集中的村。",
    ]
    ledger = village_practice(
        "碳账本和绿色积分", "每半年在村务公开栏公布碳账本，设立绿色积分超市，积分可兑换生活用品。"
    )
    assert matching_lesson(ledger, items) == items[2]


def test_a_condition_on_what_was_done_is_not_where_a_practice_applies():
    """「…，有条件的加建南向被动式阳光间」 tells what was done: it was repeated under
    适用条件 after the 做法 that begins with it. 「有条件的乡村可…」 recommends."""
    from index.practice_effects import applicability_sentences

    done = "对1998年以前建成的砖混农房，统一实施外墙保温和门窗更换，有条件的加建南向被动式阳光间。"
    advised = "有条件的乡村可先行推广户用光伏与空气源热泵打包改造。"
    assert applicability_sentences(done + advised) == [advised]


def test_names_that_differ_in_wording_only_are_one_measure_in_a_practices_results():
    """The 汇编 listed 屋顶光伏装机容量 2350千瓦 beside 屋顶分布式光伏装机容量 1620千瓦 for
    one practice: one measure, shown once (its own text's first, then the latest)."""
    from index.practice_effects import effect_figures

    own = "屋顶光伏装机容量累计达到2350千瓦，上半年发电约172万千瓦时。"
    figures = [
        Figure(
            "屋顶分布式光伏装机容量",
            1620.0,
            "千瓦",
            "1620千瓦",
            "屋顶分布式光伏装机容量累计达到1620千瓦。",
            "2024H2",
            2024,
        ),
        Figure("屋顶光伏装机容量", 2350.0, "千瓦", "2350千瓦", own, "2025H1", 2025, period_kind="累计"),
        Figure("发电量", 172.0, "万千瓦时", "172万千瓦时", own, "2025H1", 2025, period_kind="半年"),
    ]
    shown = effect_figures(village_practice("整村推进屋顶光伏", own, figures))
    assert [(f.name, f.value) for f in shown] == [("屋顶光伏装机容量", 2350.0), ("发电量", 172.0)]
