"""Merging: one practice per pilot however many documents report it, with every source."""

import random
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from ingest.loader import load_documents
from ingest.practice_merge import bigrams, merge_practices, rarity_weights, similarity
from ingest.practices import extract_practices
from tests.ingest.builders import make_document

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

SUMMARY = """## 二、主要做法

### （一）建设“蒸汽一张网”，推动余热跨企业梯级利用

园区以重点用能企业节能诊断为起点，建设18公里中压、低压蒸汽互联管网，烯烃企业富余蒸汽供给精细化工企业，
替代自备燃煤锅炉；低温余热采用ORC机组发电。成效：ORC装机1.2万千瓦，年节约标准煤约17.5万吨。

### （二）“矿井水替代＋分盐结晶”，实现废水近零排放

园区把煤矿疏干水作为第二水源，建设矿井水深度处理回用设施替代黄河水；高盐废水集中收集后经纳滤分盐和蒸发结晶，
产出工业级硫酸钠和氯化钠。成效：工业废水回用率达到96.8%。
"""

REPORT_2024 = """一、主要工作进展

（一）蒸汽互联管网一期投运。9公里中压、低压蒸汽管网投运，烯烃企业富余蒸汽输送至精细化工企业，替代自备燃煤锅炉2台；
ORC余热发电一期6000千瓦机组并网，年发电量约4300万千瓦时。

（二）矿井水回用稳步推进。矿井水深度处理回用一期投运，替代黄河取水约380万立方米；高盐废水分盐结晶装置完成安装。

（三）科技攻关与人才培育。组织企业技术骨干参加碳排放管理员培训186人次。
"""

REPORT_2025 = """一、主要工作进展

（一）蒸汽互供机制理顺。园区印发蒸汽互供计量与价格指导办法，新增6家企业接入蒸汽互联管网，上半年互供蒸汽86万吨；
ORC余热发电总装机达到1.2万千瓦。

（二）废水近零排放取得突破。分盐结晶装置投运，产出工业级硫酸钠2.6万吨、氯化钠1.1万吨，工业废水回用率达到96.8%。

（三）科技支撑和人才建设。中试基地启用，引进博士及高级工程师14名，组织碳排放管理员培训。
"""

PLAN = """## 三、重点任务

### （一）余热余压梯级利用

建设园区蒸汽互联管网，将各企业富余蒸汽接入公共管网实现互供，采用ORC机组回收低温余热发电。

### （二）水资源循环利用

以矿井疏干水替代黄河水；建设高盐废水分盐结晶装置，产出硫酸钠、氯化钠，实现废水近零排放。
"""


def _pilot_practices(pilot_id="demo-park", pilot="示范园区"):
    documents = [
        make_document(
            PLAN, doc_id=f"{pilot_id}/plan", doc_type="实施方案", date="2024-05-16", pilot=pilot, pilot_id=pilot_id
        ),
        make_document(
            REPORT_2024,
            doc_id=f"{pilot_id}/report-2024H2",
            period="2024H2",
            pilot=pilot,
            pilot_id=pilot_id,
            fields=("工业",),
        ),
        make_document(REPORT_2025, doc_id=f"{pilot_id}/report-2025H1", period="2025H1", pilot=pilot, pilot_id=pilot_id),
        make_document(
            SUMMARY,
            doc_id=f"{pilot_id}/summary",
            doc_type="经验总结",
            date="2025-09-10",
            pilot=pilot,
            pilot_id=pilot_id,
            fields=("节能降碳增效", "资源循环利用"),
        ),
    ]
    return [practice for document in documents for practice in extract_practices(document)]


def _documents(practice):
    return sorted({source.doc_id.split("/")[1] for source in practice.sources})


def test_a_practice_reported_by_plan_reports_and_summary_becomes_one():
    practices = _pilot_practices()
    merged = merge_practices(practices)
    steam, water, science = merged
    assert steam.title == "建设“蒸汽一张网”，推动余热跨企业梯级利用"
    assert _documents(steam) == ["plan", "report-2024H2", "report-2025H1", "summary"]
    assert _documents(water) == ["plan", "report-2024H2", "report-2025H1", "summary"]
    assert science.title == "科技支撑和人才建设"  # no summary: the latest report's version stands
    assert _documents(science) == ["report-2024H2", "report-2025H1"]
    assert len(merged) == 3 and sum(len(p.sources) for p in merged) == len(practices)


def test_the_summary_version_is_canonical_and_the_rest_is_united():
    practices = _pilot_practices()
    steam = merge_practices(practices)[0]
    summary_steam = next(p for p in practices if p.title == steam.title)
    assert (steam.practice_id, steam.description) == (summary_steam.practice_id, summary_steam.description)
    assert steam.sources[0].doc_type == "经验总结"
    assert steam.fields == ["节能降碳增效", "资源循环利用", "工业"]
    figures = {(f.name, f.value) for f in steam.figures}
    assert {("年节约标准煤", 17.5), ("年发电量", 4300.0), ("互供蒸汽", 86.0)} <= figures
    assert len(steam.figures) == len({(f.name, f.value, f.unit, f.period) for f in steam.figures})


def test_pilots_never_merge_and_a_summary_never_merges_its_own_practices():
    practices = _pilot_practices() + _pilot_practices("other-park", "另一园区")
    merged = merge_practices(practices)
    assert len(merged) == 6
    assert all(len({s.doc_id.split("/")[0] for s in p.sources}) == 1 for p in merged)
    lenient = merge_practices(_pilot_practices(), threshold=0.0)
    assert [p.title for p in lenient if p.sources[0].doc_type == "经验总结"] == [
        "建设“蒸汽一张网”，推动余热跨企业梯级利用",
        "“矿井水替代＋分盐结晶”，实现废水近零排放",
    ]


def test_merging_is_deterministic_whatever_the_input_order():
    practices = _pilot_practices()
    expected = [(p.practice_id, p.title, [s.doc_id for s in p.sources]) for p in merge_practices(practices)]
    shuffled = practices[:]
    random.Random(7).shuffle(shuffled)
    again = [(p.practice_id, p.title, [s.doc_id for s in p.sources]) for p in merge_practices(shuffled)]
    assert sorted(again) == sorted(expected)
    assert practices == _pilot_practices()  # inputs are not modified


def test_bigram_similarity_weighs_rare_bigrams_more():
    steam, water, generic = bigrams("蒸汽管网互联"), bigrams("分盐结晶回用"), bigrams("园区建设推进")
    assert similarity(steam, steam, {}) == pytest.approx(1.0)
    assert similarity(steam, water, {}) == 0.0
    weights = rarity_weights([steam | generic, water | generic, generic])
    shared_rare = similarity(steam | generic, steam, weights)
    shared_common = similarity(steam | generic, generic, weights)
    assert shared_rare > shared_common
    assert bigrams("CCUS二期") == {"ccus", "二期"}


def test_demo_corpus_practices_merge_across_plan_reports_and_summary():
    """Observed on the demo corpus: 471 practices -> 136 merged; 71 of 72 summary practices
    gather sources from at least two documents (63 from all four); in 15 of 16 pilots every
    summary practice does."""
    documents = load_documents([CORPUS]).documents
    practices = [practice for document in documents for practice in extract_practices(document)]
    merged = merge_practices(practices)
    per_type = Counter(practice.pilot_type for practice in merged)
    assert set(per_type) == {"城市", "园区", "乡村", "社区", "公共机构", "企业"}
    assert min(per_type.values()) >= 5
    assert all(practice.sources for practice in merged)
    assert sum(len(practice.sources) for practice in merged) == len(practices)
    summary_practices = [p for p in merged if p.sources[0].doc_type == "经验总结"]
    spread = [len({source.doc_id for source in p.sources}) >= 2 for p in summary_practices]
    assert sum(spread) / len(spread) >= 0.9
    by_pilot = defaultdict(list)
    for practice, gathered in zip(summary_practices, spread, strict=True):
        by_pilot[practice.pilot_id].append(gathered)
    assert len(by_pilot) == 16
    assert sum(all(flags) for flags in by_pilot.values()) >= 12
