// 试点: the sixteen pilots by type, and one page per pilot — documents by period,
// targets with their status, indicators over time as small line charts (with target
// lines), practices, similar pilots with reasons.

import { change, kindCaption, lineChart, periodLabel } from "../charts.js";
import { VOCAB, cached, docHref, errorBox, esc, getJSON, inferredMark, num, pilotHref, setTitle, typeBadge } from "../lib.js";
import { practiceCard } from "./practices.js";
import { targetLines, targetsBlock } from "./targets.js";

function pilotItem(pilot) {
  const kinds = Object.entries(pilot.doc_types).map(([kind, count]) => `${kind} ${count}`).join("、");
  return `<li class="pilot-item"><a href="${pilotHref(pilot.pilot_id)}">${esc(pilot.pilot)}</a>${inferredMark(pilot, "pilot")}${inferredMark(pilot, "pilot_type", "类型推断")}
    <span class="muted">${esc(pilot.region)}${inferredMark(pilot, "region")} · ${pilot.document_count} 篇文档（${esc(kinds)}）</span></li>`;
}

export function mountList(main) {
  setTitle("试点");
  main.innerHTML = `<div class="view view-pilots"><h1 tabindex="-1">试点</h1><p class="status" role="status">正在加载…</p></div>`;
  const root = main.firstElementChild;
  cached("/pilots").then((pilots) => {
    if (!root.isConnected) return;
    const groups = VOCAB.pilot_types.map((type) => {
      const members = pilots.filter((pilot) => pilot.pilot_type === type);
      return `<section class="pilot-group"><h2>${typeBadge(type)} ${esc(type)}类试点（${members.length}）</h2>
        <ul class="pilot-list">${members.map(pilotItem).join("")}</ul></section>`;
    });
    root.innerHTML = `<h1 tabindex="-1">试点</h1>
      <p class="lead">“十四五”期间共 ${pilots.length} 个碳达峰试点，分城市、园区、乡村、社区、公共机构、企业六类。</p>
      <div class="pilot-groups">${groups.join("")}</div>`;
  }).catch((error) => { if (root.isConnected) root.innerHTML = `<h1 tabindex="-1">试点</h1>${errorBox(error)}`; });
}

/** Chronological key of a period group: a half-year ends in June or December, a year
 * group (plans, summaries) sits at the date of its first document. */
function when(period, docs) {
  const half = period.match(/^(\d{4})H([12])$/);
  if (half) return `${half[1]}-${half[2] === "1" ? "06-30" : "12-31"}`;
  return docs.map((doc) => doc.date).filter(Boolean).sort()[0] || period;
}

function periodsBlock(page) {
  const groups = page.documents_by_period;
  const periods = Object.keys(groups).sort((a, b) => when(a, groups[a]).localeCompare(when(b, groups[b])));
  const rows = periods.map((period) => {
    const docs = groups[period].map((doc) =>
      `<li><a href="${esc(docHref(doc.doc_id))}">${esc(doc.title)}</a>${inferredMark(doc, "title")} <span class="muted">${esc(doc.doc_type)}${inferredMark(doc, "doc_type")}${doc.date ? ` · <span class="nowrap">${esc(doc.date)}${inferredMark(doc, "date")}</span>` : ""}${inferredMark(doc, "period", "时期推断")}</span></li>`);
    return `<li class="period"><span class="period-name">${esc(period)}</span><ul>${docs.join("")}</ul></li>`;
  });
  return `<section><h2>文档（按时期）</h2><ol class="timeline">${rows.join("")}</ol></section>`;
}

function indicatorsBlock(page, targets = []) {
  if (!page.indicators.length) return `<section><h2>指标变化</h2><p class="muted">该试点的进展报告中暂无可比较的指标。</p></section>`;
  const series = page.indicators.filter((item) => item.points.length > 1);
  const single = page.indicators.filter((item) => item.points.length === 1);
  const charts = series.map((item) => `<figure class="chart">
      <figcaption><strong>${esc(item.name)}</strong>（${esc([kindCaption(item), item.unit].filter(Boolean).join("，"))}）<span class="muted">${esc(change(item))}</span></figcaption>
      ${lineChart(item, targetLines(item, targets))}</figure>`);
  const rows = single.map((item) => {
    const point = item.points[0];
    return `<tr><th scope="row">${esc(item.name)}</th><td>${num(point.value)} ${esc(point.unit)}</td>
      <td><a href="${esc(docHref(point.doc_id))}">${esc(periodLabel(point))}</a></td></tr>`;
  });
  const table = rows.length
    ? `<details class="single-indicators"><summary>只在一期报告中出现的指标（${rows.length}）</summary>
        <table class="data"><thead><tr><th scope="col">指标</th><th scope="col">数值</th><th scope="col">时期</th></tr></thead>
        <tbody>${rows.join("")}</tbody></table></details>`
    : "";
  return `<section><h2>指标变化</h2>
    <p class="muted">数据取自半年度进展报告；半年数、全年数与期末累计数分开成图，单位统一后再比较；点击数值可打开对应报告。</p>
    <div class="charts">${charts.join("")}</div>${table}</section>`;
}

function similarBlock(similar) {
  if (!similar.length) return `<p class="muted">暂无相似试点。</p>`;
  return `<ul class="similar">${similar.map((item) => `<li class="card">
      <p class="card-meta">${typeBadge(item.pilot_type)} <a href="${pilotHref(item.pilot_id)}">${esc(item.pilot)}</a>
        <span>${esc(item.region)}</span> <span class="muted">相似度 ${item.score.toFixed(2)}</span></p>
      <ul class="reasons">${item.reasons.map((reason) => `<li>${esc(reason)}</li>`).join("")}</ul></li>`).join("")}</ul>`;
}

export function mountPage(main, route) {
  main.innerHTML = `<div class="view view-pilot"><p class="status" role="status">正在加载试点…</p></div>`;
  const root = main.firstElementChild;
  const id = route.id;
  const path = `/pilots/${encodeURIComponent(id)}`;
  Promise.all([getJSON(path), getJSON(`${path}/similar`, { limit: 5 }), getJSON(`${path}/targets`)]).then(([page, similar, targets]) => {
    if (!root.isConnected) return;
    setTitle(page.pilot);
    const fields = page.fields.map((field) => `<span class="tag">${esc(field)}</span>`).join("");
    root.innerHTML = `<nav class="crumbs" aria-label="位置"><a href="#/pilots">试点</a> › ${esc(page.pilot_type)}${inferredMark(page, "pilot_type")}</nav>
      <h1 tabindex="-1">${esc(page.pilot)}${inferredMark(page, "pilot")}</h1>
      <p class="card-meta"><span>${typeBadge(page.pilot_type)}${inferredMark(page, "pilot_type")}</span> <span>${esc(page.region)}${inferredMark(page, "region")}</span>
        <span>${page.document_count} 篇文档</span>${page.demo ? `<span class="demo-flag">演示数据</span>` : ""}</p>
      <p class="tags">${fields}</p>
      <div class="pilot-layout">
        <div class="pilot-main">
          ${targetsBlock(targets, route.params?.get("target"))}
          ${indicatorsBlock(page, targets)}
          <section><h2>经验做法（${page.practices.length}）</h2>
            ${page.practices.map((practice) => practiceCard(practice, { showPilot: false })).join("") || `<p class="muted">暂无。</p>`}
          </section>
        </div>
        <aside class="pilot-side">
          ${periodsBlock(page)}
          <section><h2>相似试点</h2>${similarBlock(similar)}</section>
        </aside>
      </div>`;
    const selected = route.params?.get("target");
    if (selected) root.querySelector(`#target-${CSS.escape(selected)}`)?.scrollIntoView({ block: "center" });
  }).catch((error) => { if (root.isConnected) root.innerHTML = `<h1 tabindex="-1">试点</h1>${errorBox(error)}`; });
}
