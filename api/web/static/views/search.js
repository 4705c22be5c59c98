// 检索: a search box, filters as one-click chips and selects, results as cards that open
// the document at the section the passage comes from — in rank order, or grouped by
// pilot (「按试点分组」) so an official sees at a glance which pilots have the topic.

import {
  VOCAB, docPathHref, errorBox, esc, getJSON, go, headingTrail, href, inferredMark, latest, options, pageLabel, periods,
  pilotHref, setTitle, typeBadge, typeChips, pressChip,
} from "../lib.js";

const FILTERS = ["pilot_type", "region", "field", "doc_type", "year"];
const EXAMPLES = [
  ["余热梯级利用有哪些做法", "园区"],
  ["屋顶光伏和清洁取暖", "乡村"],
  ["超低能耗建筑改造", "社区"],
  ["能耗定额管理", "公共机构"],
  ["二氧化碳捕集利用", "企业"],
  ["绿色出行和公共交通", "城市"],
];

function state(route) {
  const result = { q: route.params.get("q") || "", group: route.params.get("group") || "" };
  for (const key of FILTERS) result[key] = route.params.get(key) || "";
  return result;
}

/** The path to the passage's section, the query's words marked (server-escaped HTML). */
function trailHtml(hit) {
  if (!hit.heading_path) return headingTrail("");
  return (hit.highlighted_heading || esc(hit.heading_path)).replaceAll(" &gt; ", " › ");
}

/** Results grouped by pilot, pilots in the order of their best result. */
function grouped(hits) {
  const groups = new Map();
  for (const hit of hits) {
    if (!groups.has(hit.pilot_id)) groups.set(hit.pilot_id, []);
    groups.get(hit.pilot_id).push(hit);
  }
  return [...groups.values()].map((list) => `<section class="pilot-group" aria-label="${esc(list[0].pilot)}">
      <h2 class="pilot-group-title">${typeBadge(list[0].pilot_type)} <a href="${pilotHref(list[0].pilot_id)}">${esc(list[0].pilot)}</a>
        <span class="muted">${list.length} 段</span></h2>
      ${list.map(card).join("")}</section>`).join("");
}


function card(hit) {
  const when = hit.period || hit.date;
  const whenMark = inferredMark(hit, hit.period ? "period" : "date");
  const page = pageLabel(hit.page, hit.page_end);
  return `<article class="card hit" data-pilot-type="${esc(hit.pilot_type)}">
    <p class="card-meta"><span>${typeBadge(hit.pilot_type)}${inferredMark(hit, "pilot_type")}</span>
      <span><a href="${pilotHref(hit.pilot_id)}">${esc(hit.pilot)}</a>${inferredMark(hit, "pilot")}</span>
      <span>${esc(hit.region)}${inferredMark(hit, "region")}</span>
      <span>${esc(hit.doc_type)}${inferredMark(hit, "doc_type")}${when ? ` · ${esc(when)}${whenMark}` : ""}</span></p>
    <h2 class="card-title"><a class="hit-link" href="${esc(docPathHref(hit.doc_id, hit.heading_path))}">${esc(hit.title)}</a>${inferredMark(hit, "title")}</h2>
    <p class="trail">${trailHtml(hit)}${page ? ` <span class="page-no">· ${page}</span>` : ""}</p>
    <p class="passage">${hit.highlighted}</p>
  </article>`;
}

function intro() {
  const links = EXAMPLES.map(([q, type]) =>
    `<li><a href="${href("search", "", { q, pilot_type: type })}">${esc(q)}</a> ${typeBadge(type)}</li>`).join("");
  return `<div class="intro">
    <p>在试点的实施方案、半年度进展报告和经验总结中检索。可以输入问题或关键词，再用试点类型、地区、领域、文档类型和时期筛选。</p>
    <p>试一试：</p><ul class="examples">${links}</ul></div>`;
}

export function mount(main, route) {
  setTitle("检索");
  main.innerHTML = `<div class="view view-search">
    <h1 tabindex="-1">检索</h1>
    <form class="search-form" role="search">
      <div class="search-row">
        <label for="search-q" class="visually-hidden">检索内容</label>
        <input id="search-q" name="q" type="search" placeholder="输入问题或关键词，如：余热梯级利用" autocomplete="off" maxlength="500">
        <button type="submit" class="primary">检索</button>
      </div>
      <div class="chips" role="group" aria-label="试点类型">${typeChips("")}</div>
      <div class="filters">
        <label>地区<select name="region">${options(VOCAB.regions, "", "全部地区")}</select></label>
        <label>领域<select name="field">${options(VOCAB.fields, "", "全部领域")}</select></label>
        <label>文档类型<select name="doc_type">${options(VOCAB.doc_types, "", "全部文档")}</select></label>
        <label>时期<select name="year"></select></label>
        <label class="toggle"><input type="checkbox" name="group" value="pilot"> 按试点分组</label>
      </div>
    </form>
    <p class="status" aria-live="polite"></p>
    <div class="results"></div>
  </div>`;
  const root = main.firstElementChild;
  const form = root.querySelector("form");
  const status = root.querySelector(".status");
  const results = root.querySelector(".results");
  const yearSelect = form.elements.year;
  const fresh = latest();
  let current = state(route);
  let known = [];

  const fillYears = () => {
    const values = current.year && !known.includes(current.year) ? [current.year, ...known] : known;
    yearSelect.innerHTML = options(values, current.year, "全部时期");
  };
  periods().then((list) => { known = list; fillYears(); }).catch(() => {});

  const submit = (changes = {}) => {
    const next = { ...current, q: form.elements.q.value.trim(), ...changes };
    for (const key of ["region", "field", "doc_type", "year"]) if (!(key in changes)) next[key] = form.elements[key].value;
    if (!("group" in changes)) next.group = form.elements.group.checked ? "pilot" : "";
    go(href("search", "", next));
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  form.addEventListener("change", (event) => {
    if (event.target.tagName === "SELECT" || event.target.name === "group") submit();
  });
  root.querySelector(".chips").addEventListener("click", (event) => {
    const chip = event.target.closest(".chip");
    if (chip) submit({ pilot_type: chip.dataset.value });
  });
  // The whole card opens the document; links inside it keep their own targets.
  results.addEventListener("click", (event) => {
    if (event.target.closest("a") || String(window.getSelection())) return;
    const link = event.target.closest(".hit")?.querySelector(".hit-link");
    if (link) location.hash = link.getAttribute("href");
  });

  async function show(route) {
    current = state(route);
    form.elements.q.value = current.q;
    for (const key of ["region", "field", "doc_type"]) form.elements[key].value = current[key];
    form.elements.group.checked = current.group === "pilot";
    fillYears();
    pressChip(root.querySelector(".chips"), current.pilot_type);
    setTitle(current.q ? `检索：${current.q}` : "检索");
    if (!current.q) {
      status.textContent = "";
      results.innerHTML = intro();
      return;
    }
    const isFresh = fresh();
    status.textContent = "正在检索…";
    try {
      const params = { q: current.q, top_k: 20 };
      for (const key of FILTERS) params[key] = current[key];
      const body = await getJSON("/search", params);
      if (!isFresh()) return;
      const pilots = new Set(body.results.map((hit) => hit.pilot_id)).size;
      status.textContent = body.total
        ? `找到 ${body.total} 段相关原文，来自 ${pilots} 个试点（用时 ${Math.round(body.took_ms)} 毫秒）`
        : "没有找到相关原文。";
      const corrected = (body.corrections || []).map((c) => `已按“<strong>${esc(c.meant)}</strong>”检索“${esc(c.typed)}”`).join("；");
      const list = current.group === "pilot" ? grouped(body.results) : body.results.map(card).join("");
      results.innerHTML = (corrected ? `<p class="notice correction" role="note">${corrected}。</p>` : "") + (body.total
        ? list
        : `<p class="notice">没有符合条件的内容。可以换个说法，或减少筛选条件（例如选择“全部类型”）。</p>`);
    } catch (error) {
      if (!isFresh()) return;
      status.textContent = "";
      results.innerHTML = errorBox(error);
    }
  }

  show(route);
  if (!current.q) form.elements.q.focus();
  return { update: show, ownsFocus: document.activeElement === form.elements.q };
}
