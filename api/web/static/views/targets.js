// A pilot's targets (目标与进度): each target with its status, the reason, the target's
// sentence in the plan and the latest reported sentence (both linked to their sections),
// and, for met or on-track targets, the practices the pilot credits for them.

import { docHref, esc, num } from "../lib.js";

/** Worst first: what needs attention leads. */
export const STATUS_ORDER = { 滞后: 0, 按进度: 1, 已完成: 2, 无数据: 3 };

export const statusChip = (status) => `<span class="status-chip status-${esc(status)}">${esc(status)}</span>`;

function goal(target) {
  const side = target.direction === "不高于" && target.form !== "较基期变化" ? "以下" : "";
  if (target.form === "较基期变化") return `较${target.baseline_year ?? "基期"}年变化 ${num(target.value)}${esc(target.unit)}`;
  if (target.form === "同比") return `同比 ${num(target.value)}${esc(target.unit)}`;
  const base = target.baseline_value != null ? `（由${target.baseline_year ?? ""}年${num(target.baseline_value)}）` : "";
  return `${target.form === "累计" ? "累计 " : ""}${num(target.value)}${esc(target.unit)}${side}${base}`;
}

function cite(source, label) {
  if (!source) return "";
  return `<blockquote class="cited"><span class="cite-label">${esc(label)}</span>${esc(source.sentence)}
    <a class="cite-link" href="${esc(docHref(source.doc_id, source.anchor))}">${esc(source.title)}</a></blockquote>`;
}

function credits(target) {
  if (!target.credited.length) return "";
  return `<p class="credited"><span class="cite-label">靠什么做到：</span>${target.credited.map((credit) =>
    `<a href="${esc(docHref(credit.doc_id, credit.anchor))}">${esc(credit.title)}</a>`).join("、")}</p>`;
}

export function targetRow(target, selected) {
  const latest = target.latest
    ? `<a href="${esc(docHref(target.latest_source.doc_id, target.latest_source.anchor))}">${num(target.latest.value)}${esc(target.latest.unit)}</a><br><span class="muted">${esc(target.latest.when)}</span>`
    : `<span class="muted">—</span>`;
  return `<tr id="target-${esc(target.target_id)}" class="target-row${selected ? " selected" : ""}">
    <th scope="row">${esc(target.indicator)}<br><span class="muted">${target.year}年目标</span></th>
    <td>${goal(target)}</td>
    <td>${latest}</td>
    <td>${statusChip(target.status)}</td>
    <td class="target-why">${esc(target.reason)}${cite(target.target_source, "目标原文：")}${cite(target.latest_source, "判定依据：")}${credits(target)}</td></tr>`;
}

export function targetsBlock(targets, selectedId) {
  if (!targets.length) return `<section class="targets"><h2>目标与进度</h2><p class="muted">实施方案中没有可读取的量化目标。</p></section>`;
  const sorted = targets.slice().sort((a, b) => a.year - b.year || STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
  const counts = Object.keys(STATUS_ORDER).map((status) => {
    const n = targets.filter((target) => target.status === status).length;
    return n ? `${statusChip(status)} ${n}` : "";
  }).join(" ");
  return `<section class="targets"><h2>目标与进度（${targets.length}）</h2>
    <p class="legend">${counts}　<span class="muted">目标取自实施方案。目标年已过的，按当年年底的报告值判定，此后的数值写在依据中；未到目标年的，按最新报告值对照从基期到目标的直线进度判定。</span></p>
    <div class="table-scroll"><table class="data targets-table"><thead><tr><th scope="col">指标</th><th scope="col">目标</th><th scope="col">报告值</th><th scope="col">状态</th><th scope="col">依据与出处</th></tr></thead>
    <tbody>${sorted.map((target) => targetRow(target, target.target_id === selectedId)).join("")}</tbody></table></div></section>`;
}

/** Target lines for a chart: the targets linked to this series, in its unit. */
export function targetLines(series, targets) {
  return targets
    .filter((target) => target.latest && target.unit === series.unit && target.form !== "同比"
      && target.readings.some((reading) => reading.name === series.name && (reading.period_kind || "") === (series.period_kind || "")))
    .map((target) => ({ value: target.value, label: `${target.year}年目标 ${num(target.value)}` }));
}
