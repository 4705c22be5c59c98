// 概览: the programme dashboard — who has reported for which half-year, each pilot's
// targets by key family (已完成 / 按进度 / 滞后 / 无数据), sortable cross-pilot
// comparison tables whose cells link to their sources, and, folded away, how much the
// knowledge base holds.

import { bars } from "../charts.js";
import { VOCAB, cached, docHref, errorBox, esc, href, num, pilotHref, setTitle, typeBadge } from "../lib.js";
import { statusChip, STATUS_ORDER } from "./targets.js";

function count(items, key, vocabulary) {
  const counts = new Map(vocabulary.map((name) => [name, 0]));
  for (const item of items) {
    for (const value of [].concat(item[key] ?? [])) counts.set(value, (counts.get(value) || 0) + 1);
  }
  return [...counts].map(([label, value]) => ({ label, value }));
}

const linked = (rows, key) => rows.map((row) => ({ ...row, href: href("practices", "", { [key]: row.label }) }));

function reportingBlock(progress) {
  const periods = progress.periods;
  if (!periods.length) return `<section><h2>半年度报告报送情况</h2><p class="muted">尚无进展报告。</p></section>`;
  const last = periods.at(-1);
  const missingLast = progress.reporting.filter((item) => item.missing.includes(last));
  const rows = progress.reporting.map((item) => {
    const slots = new Map(item.slots.map((slot) => [slot.period, slot]));
    const cells = periods.map((period) => {
      const slot = slots.get(period);
      if (!slot) return `<td class="slot slot-none" title="不在实施方案年限内">—</td>`;
      if (!slot.doc_id) return `<td class="slot slot-missing" title="${esc(`${item.pilot} ${period} 报告未报送`)}">缺报</td>`;
      return `<td class="slot slot-in"><a href="${esc(docHref(slot.doc_id))}" title="${esc(slot.title)}">已报</a></td>`;
    });
    const outside = item.outside_plan.map((slot) =>
      `<a class="outside" href="${esc(docHref(slot.doc_id))}" title="报告时期超出实施方案年限">${esc(slot.period)} 超出方案年限</a>`).join(" ");
    return `<tr><th scope="row"><a href="${pilotHref(item.pilot_id)}">${esc(item.pilot)}</a> <span class="muted">${esc(item.pilot_type)}</span> ${outside}</th>${cells.join("")}</tr>`;
  });
  const summary = missingLast.length
    ? `${esc(last)}：${progress.reporting.length - missingLast.length}/${progress.reporting.length} 个试点已报送，缺报：${missingLast.map((item) => `<a href="${pilotHref(item.pilot_id)}">${esc(item.pilot)}</a>`).join("、")}。`
    : `${esc(last)}：全部 ${progress.reporting.length} 个试点已报送。`;
  return `<section class="reporting"><h2>半年度报告报送情况</h2><p class="summary">${summary}</p>
    <div class="table-scroll"><table class="data reporting-table"><thead><tr><th scope="col">试点</th>${periods.map((p) => `<th scope="col">${esc(p)}</th>`).join("")}</tr></thead>
    <tbody>${rows.join("")}</tbody></table></div></section>`;
}

function matrixBlock(progress) {
  const columns = progress.matrix_columns;
  const rows = progress.matrix.map((row) => {
    const cells = columns.map((column) => {
      const targets = (row.cells[column] || []).slice().sort((a, b) => a.year - b.year || STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
      if (!targets.length) return `<td class="matrix-cell empty"></td>`;
      const chips = targets.map((target) =>
        `<a class="dot status-${esc(target.status)}" href="${esc(pilotHref(row.pilot_id))}?target=${esc(target.target_id)}" title="${esc(`${target.year}年 ${target.indicator}：${target.status}`)}">${esc(target.status.slice(0, 1))}</a>`);
      return `<td class="matrix-cell">${chips.join("")}</td>`;
    });
    const counts = STATUS_ORDER_LIST.map((status) => row.counts[status] ? `<span class="count status-text-${esc(status)}">${esc(status)} ${row.counts[status]}</span>` : "").join(" ");
    return `<tr><th scope="row">${typeBadge(row.pilot_type)} <a href="${pilotHref(row.pilot_id)}">${esc(row.pilot)}</a></th>${cells.join("")}<td class="row-counts">${counts}</td></tr>`;
  });
  const legend = STATUS_ORDER_LIST.map((status) => `${statusChip(status)} ${progress.status_counts[status] || 0}`).join(" ");
  return `<section class="matrix"><h2>目标完成情况：试点 × 关键目标</h2>
    <p class="legend">全部 ${progress.targets.length} 项目标：${legend}　<span class="muted">每个圆点是一项目标（先 2025 年、后 2030 年），点击查看判定依据与原文。</span></p>
    <div class="table-scroll"><table class="data matrix-table"><thead><tr><th scope="col">试点</th>${columns.map((c) => `<th scope="col">${esc(c)}</th>`).join("")}<th scope="col">合计</th></tr></thead>
    <tbody>${rows.join("")}</tbody></table></div></section>`;
}

const STATUS_ORDER_LIST = Object.keys(STATUS_ORDER).sort((a, b) => STATUS_ORDER[a] - STATUS_ORDER[b]);

function comparisonTable(comparison, index) {
  const rows = comparison.rows.map((row) => `<tr>
      <th scope="row"><a href="${pilotHref(row.pilot_id)}">${esc(row.pilot)}</a></th>
      <td>${esc(row.indicator)}</td>
      <td class="num" data-value="${row.value}"><a href="${esc(docHref(row.source.doc_id, row.source.anchor))}" title="${esc(row.source.sentence)}">${num(row.value)}${esc(row.unit)}</a></td>
      <td>${esc(row.when)}</td>
      <td class="num" data-value="${row.target_value}">${num(row.target_value)}${esc(row.unit)}（${row.target_year}年）</td>
      <td data-value="${STATUS_ORDER[row.status]}">${statusChip(row.status)}</td></tr>`);
  return `<table class="data comparison sortable" id="comparison-${index}">
    <caption>${esc(comparison.title)}</caption>
    <thead><tr>${["试点", "指标", "最新值", "时期", "目标", "状态"].map((label, column) =>
      `<th scope="col"><button type="button" class="sort" data-column="${column}" aria-label="按${label}排序">${label}</button></th>`).join("")}</tr></thead>
    <tbody>${rows.join("")}</tbody></table>`;
}

/** Click a column header to sort by it; a second click reverses. Numbers sort by value. */
function makeSortable(root) {
  for (const table of root.querySelectorAll("table.sortable")) {
    table.addEventListener("click", (event) => {
      const button = event.target.closest("button.sort");
      if (!button) return;
      const column = Number(button.dataset.column);
      const descending = button.getAttribute("aria-sort") !== "descending";
      for (const other of table.querySelectorAll("button.sort")) other.removeAttribute("aria-sort");
      button.setAttribute("aria-sort", descending ? "descending" : "ascending");
      const body = table.tBodies[0];
      const key = (row) => {
        const cell = row.cells[column];
        return cell.dataset.value !== undefined ? Number(cell.dataset.value) : cell.textContent.trim();
      };
      const sorted = [...body.rows].sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "zh");
        return descending ? -order : order;
      });
      body.append(...sorted);
    });
  }
}

function comparisonsBlock(progress) {
  const tables = progress.comparisons.filter((comparison) => comparison.rows.length > 1);
  if (!tables.length) return "";
  return `<section class="comparisons"><h2>跨试点对比</h2>
    <p class="muted">同一类目标、同一单位的最新报告值；点击表头排序，点击数值打开报告原文。</p>
    <div class="comparison-grid">${tables.map(comparisonTable).join("")}</div></section>`;
}

function inventoryBlock(documents, practices, pilots) {
  const practiceTotal = practices.length >= 200 ? "200+" : practices.length;
  const totals = [["试点", pilots.length], ["文档", documents.length], ["经验做法", practiceTotal]]
    .map(([label, value]) => `<div class="total"><span class="total-value">${value}</span><span class="total-label">${esc(label)}</span></div>`);
  return `<details class="inventory"><summary>知识库构成（文档、经验做法、试点的分类统计）</summary>
    <div class="totals">${totals.join("")}</div>
    <section><h2>文档</h2><div class="bar-grid">
      ${bars("按试点类型", count(documents, "pilot_type", VOCAB.pilot_types))}
      ${bars("按地区", count(documents, "region", VOCAB.regions))}
      ${bars("按文档类型", count(documents, "doc_type", VOCAB.doc_types))}
      ${bars("按领域（一篇文档可属多个领域）", count(documents, "fields", VOCAB.fields))}
    </div></section>
    <section><h2>经验做法</h2><p class="muted">点击类别名称可查看该类经验做法。</p><div class="bar-grid">
      ${bars("按试点类型", linked(count(practices, "pilot_type", VOCAB.pilot_types), "pilot_type"))}
      ${bars("按地区", linked(count(practices, "region", VOCAB.regions), "region"))}
      ${bars("按领域（一条做法可属多个领域）", linked(count(practices, "fields", VOCAB.fields), "field"))}
    </div></section></details>`;
}

export function mount(main) {
  setTitle("概览");
  main.innerHTML = `<div class="view view-overview"><h1 tabindex="-1">概览</h1><p class="status" role="status">正在统计…</p></div>`;
  const root = main.firstElementChild;
  Promise.all([cached("/progress"), cached("/documents"), cached("/practices", { limit: 200 }), cached("/pilots")])
    .then(([progress, documents, practices, pilots]) => {
      if (!root.isConnected) return;
      root.innerHTML = `<h1 tabindex="-1">概览：试点工作进度</h1>
        <p class="lead">${pilots.length} 个试点的目标取自各自的实施方案，完成情况对照半年度进展报告判定；规则见 README「目标与进度：判定规则」。</p>
        ${reportingBlock(progress)}
        ${matrixBlock(progress)}
        ${comparisonsBlock(progress)}
        ${inventoryBlock(documents, practices, pilots)}`;
      makeSortable(root);
    })
    .catch((error) => { if (root.isConnected) root.innerHTML = `<h1 tabindex="-1">概览</h1>${errorBox(error)}`; });
}
