// Small charts drawn by hand: a line chart per indicator (SVG) and bar lists (CSS).

import { docHref, esc, num } from "./lib.js";

const WIDTH = 320;
const HEIGHT = 170;
const PAD = { left: 28, right: 28, top: 30, bottom: 34 };

function scale(values) {
  let low = Math.min(...values);
  let high = Math.max(...values);
  if (low === high) {
    const spread = Math.abs(low) * 0.2 || 1;
    low -= spread;
    high += spread;
  }
  const margin = (high - low) * 0.15;
  low -= margin;
  high += margin;
  const inner = HEIGHT - PAD.top - PAD.bottom;
  return (value) => PAD.top + inner * (1 - (value - low) / (high - low));
}

/** A point's period as a reader says it: 2025H1, 2024年, 截至2025年6月底. */
export function periodLabel(point) {
  return point.label || point.period;
}

/** What a series' values are, for its caption: 半年数、全年数、截至期末的累计数. */
export function kindCaption(series) {
  return { 半年: "半年数", 全年: "全年数", 累计: "期末累计数", 目标: "目标值", 基期: "基期值" }[series.period_kind] || "";
}

/** Edge labels grow inwards, so 「2025年6月底」 is not cut off at the chart's sides. */
function anchor(index, count) {
  if (count < 2) return "middle";
  return index === 0 ? "start" : index === count - 1 ? "end" : "middle";
}

/** One indicator over the reporting periods: line, points, values with unit, period labels;
 * ``targets`` ({value, label}) are drawn as dashed horizontal lines. */
export function lineChart(series, targets = []) {
  const points = series.points;
  const unit = series.unit;
  const y = scale([...points.map((point) => point.value), ...targets.map((target) => target.value)]);
  const step = points.length > 1 ? (WIDTH - PAD.left - PAD.right) / (points.length - 1) : 0;
  const x = (index) => (points.length > 1 ? PAD.left + index * step : WIDTH / 2);
  const coords = points.map((point, index) => [x(index), y(point.value)]);
  const line = points.length > 1
    ? `<polyline class="series-line" points="${coords.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" ")}"/>`
    : "";
  const marks = points.map((point, index) => {
    const [cx, cy] = coords[index];
    const label = `${num(point.value)}${unit === "%" ? "%" : ""}`;
    return `<a href="${esc(docHref(point.doc_id))}" class="point-link">
        <title>${esc(periodLabel(point))}：${esc(point.sentence)}</title>
        <circle class="point" cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="4"/>
        <text class="point-label" x="${cx.toFixed(1)}" y="${(cy - 10).toFixed(1)}" text-anchor="middle">${esc(label)}</text>
      </a>
      <text class="period-label" x="${cx.toFixed(1)}" y="${HEIGHT - 10}" text-anchor="${anchor(index, points.length)}">${esc(periodLabel(point))}</text>`;
  });
  const goals = targets.map((target) => {
    const ty = y(target.value).toFixed(1);
    return `<g class="target-line"><line x1="${PAD.left - 12}" x2="${WIDTH - PAD.right + 12}" y1="${ty}" y2="${ty}"/>
      <text x="${WIDTH - PAD.right + 12}" y="${(Number(ty) - 4).toFixed(1)}" text-anchor="end">${esc(target.label)}</text></g>`;
  });
  const summary = [...points.map((point) => `${periodLabel(point)} ${num(point.value)}${point.unit}`), ...targets.map((target) => target.label)].join("，");
  return `<svg class="line-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="group" aria-label="${esc(`${series.name}：${summary}`)}">
      <line class="axis" x1="${PAD.left - 12}" x2="${WIDTH - PAD.right + 12}" y1="${HEIGHT - PAD.bottom + 6}" y2="${HEIGHT - PAD.bottom + 6}"/>
      ${goals.join("")}${line}${marks.join("")}
    </svg>`;
}

/** How the last value compares with the one before: 较上期 +4.7. */
export function change(series) {
  const points = series.points;
  if (points.length < 2) return "";
  const delta = points.at(-1).value - points.at(-2).value;
  const sign = delta > 0 ? "+" : delta < 0 ? "−" : "±";
  return `较上期 ${sign}${num(Math.abs(delta))}${series.unit === "%" ? " 个百分点" : ` ${series.unit}`}`;
}

/** Horizontal bars: rows of {label, value, href}, scaled to the largest value. */
export function bars(caption, rows) {
  const max = Math.max(1, ...rows.map((row) => row.value));
  const body = rows.map((row) => {
    const label = row.href ? `<a href="${esc(row.href)}">${esc(row.label)}</a>` : esc(row.label);
    const width = ((row.value / max) * 100).toFixed(1);
    return `<tr><th scope="row">${label}</th>
      <td class="bar-cell"><span class="bar" style="width:${width}%"></span></td>
      <td class="count">${row.value}</td></tr>`;
  });
  return `<table class="bars"><caption>${esc(caption)}</caption><tbody>${body.join("")}</tbody></table>`;
}
