"""The 前言 of a 汇编, composed from the selection itself.

It states only what the selection shows — which pilot types and how many pilots, the
period the sources cover, how many practices in how many fields, how many documents
they come from, and how practices were chosen and laid out — and makes no claim beyond
the sources (no 「成效显著」 the sources do not state).
"""

from __future__ import annotations

from api.compile.outline import Outline
from ingest.domain import PILOT_TYPES, parse_period


def _period_label(stamp: str) -> str:
    parsed = parse_period(stamp)
    if parsed:
        return f"{parsed[0]}年{'上' if parsed[1] == 1 else '下'}半年"
    return f"{stamp[:4]}年" if stamp[:4].isdigit() else stamp


def covered_period(outline: Outline) -> tuple[str, str]:
    """(first, last) period the sources cover; one year when they all fall in it (a
    summary dated in 2025 and a 2025H2 report: 2025年, not 「2025年至2025年下半年」)."""
    stamps = sorted(s.period or s.date[:4] for s in outline.references if (s.period or s.date))
    if not stamps:
        return "", ""
    first, last = stamps[0], stamps[-1]
    if first[:4] == last[:4] and first != last and (len(first) == 4 or len(last) == 4):
        return f"{first[:4]}年", f"{first[:4]}年"
    return _period_label(first), _period_label(last)


def preface(outline: Outline) -> list[str]:
    """The paragraphs of the 前言."""
    items = outline.items
    pilots = {item.practice.pilot_id for item in items}
    types = [name for name in PILOT_TYPES if any(item.practice.pilot_type == name for item in items)]
    documents = {source.doc_id for source in outline.references}
    doc_types = sorted({source.doc_type for source in outline.references})
    first, last = covered_period(outline)
    period = f"，材料时间为{first}至{last}" if first and first != last else (f"，材料时间为{first}" if first else "")
    paragraphs = [
        f"为总结推广宁夏碳达峰试点建设中形成的可复制、可推广经验，本汇编收录{'、'.join(types)}类"
        f"共{len(pilots)}个试点的经验做法{len(items)}项{period}，"
        f"出自各试点的{'、'.join(doc_types)}共{len(documents)}份材料。",
        f"经验做法按各自内容归入{len(outline.groups)}个领域，领域内再按试点类型排列。每项做法列明做法、成效、"
        "适用条件（原文有表述时）和来源编号；成效只列原文报告的、与该做法有关的数据，同一数据只列一次；"
        "来源清单附于文末，编号与正文一致。",
    ]
    chosen = (
        "收录的做法以各试点材料中“主要做法”“工作进展”“重点任务”等章节为准，"
        "并按做法是否具体、成效是否量化、是否已总结为经验、是否有多份材料印证、是否说明适用条件评定可复制性。"
    )
    if outline.left_out_routine:
        chosen += f"加强组织领导、资金保障等例行管理事项和只有进展数字的条目未收录（{outline.left_out_routine}项）。"
    paragraphs.append(chosen)
    paragraphs.append("本汇编内容均摘自上述材料，数据以原文为准；引用时请核对所列来源。")
    if outline.demo:
        paragraphs.append("说明：本汇编所用材料含演示数据（demo: true），试点名称与数据均为虚构。")
    return paragraphs
