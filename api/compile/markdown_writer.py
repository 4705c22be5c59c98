"""The compilation as Markdown (for preview and for editors that prefer text)."""

from __future__ import annotations

from api.compile.outline import Outline, figure_line, numeral, pilot_by_document, reference_text

DEMO_NOTE = "> 说明：本汇编所用材料含演示数据（demo: true），试点名称与数据均为虚构。"


def write_markdown(outline: Outline) -> str:
    lines = [f"# {outline.title}", "", f"编制日期：{outline.date:%Y年%m月%d日}", ""]
    if outline.demo:
        lines += [DEMO_NOTE, ""]
    lines += ["## 目录", ""]
    for type_index, (pilot_type, by_field) in enumerate(outline.groups.items(), start=1):
        lines.append(f"- {numeral(type_index)}、{pilot_type}类试点")
        for field_index, field_name in enumerate(by_field, start=1):
            lines.append(f"  - （{numeral(field_index)}）{field_name}")
    lines += ["- 参考来源", ""]
    for type_index, (pilot_type, by_field) in enumerate(outline.groups.items(), start=1):
        lines += [f"## {numeral(type_index)}、{pilot_type}类试点", ""]
        for field_index, (field_name, items) in enumerate(by_field.items(), start=1):
            lines += [f"### （{numeral(field_index)}）{field_name}", ""]
            for item_index, item in enumerate(items, start=1):
                practice = item.practice
                markers = "".join(f"[{n}]" for n in item.references)
                lines += [
                    f"#### {item_index}. {practice.title}（{practice.pilot}）",
                    "",
                    f"试点：{practice.pilot}（{practice.pilot_type}·{practice.region}）",
                    "",
                    f"{practice.description} {markers}",
                    "",
                ]
                if practice.figures:
                    lines += ["成效数据：", ""] + [f"- {figure_line(f)}" for f in practice.figures] + [""]
    lines += ["## 参考来源", ""]
    pilots = pilot_by_document(outline)
    lines += [reference_text(number, source, pilots) for number, source in enumerate(outline.references, start=1)]
    return "\n".join(lines).rstrip() + "\n"
