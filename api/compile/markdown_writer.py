"""The compilation as Markdown (for preview and for editors that prefer text)."""

from __future__ import annotations

from api.compile.front_matter import preface
from api.compile.outline import Outline, OutlinePractice, figure_line, group_headings, pilot_by_document, reference_text

DEMO_NOTE = "> 说明：本汇编所用材料含演示数据（demo: true），试点名称与数据均为虚构。"


def practice_lines(index: int, item: OutlinePractice) -> list[str]:
    """One practice: 标题, 试点, 做法, 成效, 适用条件, 来源 (shared by the writers' order)."""
    practice = item.practice
    markers = "".join(f"[{n}]" for n in item.references)
    method = "".join(item.method) or practice.description
    lines = [
        f"#### {index}. {practice.title}（{practice.pilot}）",
        "",
        f"试点：{practice.pilot}（{practice.pilot_type}·{practice.region}）；"
        f"可复制性 {item.value.score} 分（{item.value.label}）",
        "",
        f"**做法。**{method}",
        "",
    ]
    if item.effects:
        lines += ["**成效。**", "", *(f"- {figure_line(f)}" for f in item.effects), ""]
    if item.applicability.stated:
        lines += ["**适用条件与推广建议。**" + "".join(item.applicability.statements), ""]
    lines += [f"来源：{markers}", ""]
    return lines


def write_markdown(outline: Outline) -> str:
    lines = [f"# {outline.title}", ""]
    if outline.issuer:
        lines += [f"{outline.issuer}", ""]
    lines += [f"{outline.date:%Y年%-m月%-d日}", ""]
    if outline.demo:
        lines += [DEMO_NOTE, ""]
    lines += ["## 前言", "", *(p + "\n" for p in preface(outline) if not p.startswith("说明："))]
    lines += ["## 目录", ""]
    for level, text in group_headings(outline):
        lines.append(("  " * (level - 1)) + f"- {text}")
    lines += ["- 参考来源", ""]
    headings = iter(group_headings(outline))
    for by_type in outline.groups.values():
        lines += [f"## {next(headings)[1]}", ""]
        for items in by_type.values():
            lines += [f"### {next(headings)[1]}", ""]
            for index, item in enumerate(items, start=1):
                lines += practice_lines(index, item)
    lines += ["## 参考来源", ""]
    pilots = pilot_by_document(outline)
    lines += [reference_text(number, source, pilots) for number, source in enumerate(outline.references, start=1)]
    return "\n".join(lines).rstrip() + "\n"
