"""Table grids (Word, HTML) -> one text line per row that repeats the header.

A row read alone must still say what each value is, so every row becomes
``指标：单位工业增加值能耗下降；单位：%；目标值：15。`` as Markdown tables do
(ingest/formats/markdown.py). Merged cells are given once: a cell spanning several columns
is one value, and the rows a vertically merged cell continues into carry nothing for
that column rather than a copy of its text. A first row that is a single cell across
the whole width is a caption; a header whose first row spans columns has a second
header row under it (``目标值`` over ``2025年`` / ``2030年`` names the columns
``目标值（2025年）`` and ``目标值（2030年）``).
"""

from __future__ import annotations

from dataclasses import dataclass

_VALUE_END = "。；;，,"


@dataclass(frozen=True)
class Cell:
    """A cell that carries text, at its first grid column, covering ``span`` columns."""

    text: str
    column: int
    span: int = 1

    def covers(self, column: int) -> bool:
        return self.column <= column < self.column + self.span


def table_lines(rows: list[list[Cell]], header_rows: int | None = None) -> list[str]:
    """Text lines of a table given as rows of text-carrying cells.

    ``header_rows`` is how many leading rows form the header when the format says so
    (HTML ``<thead>``/``<th>``); None lets the layout decide (first row, or two when
    the first spans columns).
    """
    rows = [[cell for cell in row if cell.text.strip()] for row in rows]
    rows = [row for row in rows if row]
    if not rows:
        return []
    width = max(cell.column + cell.span for row in rows for cell in row)
    lines: list[str] = []
    if len(rows) >= 3 and width > 1 and len(rows[0]) == 1 and rows[0][0].span >= width:
        lines.append(rows[0][0].text.strip())
        rows = rows[1:]
        header_rows = None if header_rows is None else max(header_rows - 1, 0)
    if len(rows) == 1 or width == 1:
        # A single row has no header to repeat; a single column is a list.
        return lines + [_joined(cell.text for cell in row) for row in rows]
    if header_rows is None:
        header_rows = 2 if len(rows) >= 3 and any(1 < cell.span < width for cell in rows[0]) else 1
    names = _column_names(rows[:header_rows], width)
    body = rows[header_rows:]
    if not body:
        return [*lines, _joined(cell.text for row in rows for cell in row)]
    for row in body:
        parts = []
        for cell in row:
            value = cell.text.strip().rstrip(_VALUE_END)
            name = names[cell.column]
            parts.append(f"{name}：{value}" if name and name != value else value)
        lines.append(_joined(parts))
    return lines


def _column_names(header: list[list[Cell]], width: int) -> list[str]:
    names = []
    for column in range(width):
        parts: list[str] = []
        for row in header:
            text = next((cell.text.strip() for cell in row if cell.covers(column)), "")
            if text and text not in parts:
                parts.append(text)
        names.append(parts[0] + "".join(f"（{part}）" for part in parts[1:]) if parts else "")
    return names


def _joined(values) -> str:
    values = [value.strip().rstrip(_VALUE_END) for value in values]
    text = "；".join(value for value in values if value)
    return text + "。" if text else ""
