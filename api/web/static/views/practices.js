// 经验做法: the replicable practices, browsable by pilot type and field (and region or
// free text), each with its figures and links to every source section.

import { VOCAB, docHref, errorBox, esc, getJSON, go, href, latest, options, pageLabel, paragraphs, pilotHref, setTitle, typeBadge, typeChips, pressChip } from "../lib.js";

const OPEN_UP_TO = 5; // longer lists of figures or sources start folded

function figureList(figures) {
  if (!figures.length) return "";
  const items = figures.map((figure) => {
    const when = figure.period || (figure.year ? `${figure.year}年` : "");
    return `<li><span class="figure-name">${esc(figure.name)}</span> <strong>${esc(figure.text)}</strong>${when ? ` <span class="muted">（${esc(when)}）</span>` : ""}</li>`;
  });
  return `<details class="figures"${figures.length <= OPEN_UP_TO ? " open" : ""}>
    <summary>成效数据（${figures.length}）</summary><ul>${items.join("")}</ul></details>`;
}

function sourceList(sources) {
  const items = sources.map((source) => {
    const when = source.period || source.date;
    return `<li><a href="${esc(docHref(source.doc_id, source.anchor))}">${esc(source.title)}</a>
      <span class="muted">${esc(source.doc_type)}${when ? ` · ${esc(when)}` : ""}</span>
      <span class="trail">${esc(source.heading_path).replaceAll(" &gt; ", " › ")}${source.page ? ` <span class="page-no">· ${pageLabel(source.page)}</span>` : ""}</span></li>`;
  });
  return `<details class="sources"${sources.length <= OPEN_UP_TO ? " open" : ""}>
    <summary>来源（${sources.length}）</summary><ul>${items.join("")}</ul></details>`;
}

/** One practice as a card; the pilot line is left out on the pilot's own page. */
export function practiceCard(practice, { showPilot = true, level = 3 } = {}) {
  const fields = practice.fields.map((field) => `<span class="tag">${esc(field)}</span>`).join("");
  const pilot = showPilot
    ? `<p class="card-meta">${typeBadge(practice.pilot_type)} <a href="${pilotHref(practice.pilot_id)}">${esc(practice.pilot)}</a> <span>${esc(practice.region)}</span></p>`
    : "";
  return `<article class="card practice" data-pilot-type="${esc(practice.pilot_type)}">
    ${pilot}
    <h${level} class="card-title">${esc(practice.title)}</h${level}>
    <p class="tags">${fields}</p>
    <div class="description">${paragraphs(practice.description)}</div>
    ${figureList(practice.figures)}
    ${sourceList(practice.sources)}
  </article>`;
}


const KEYS = ["q", "pilot_type", "field", "region"];

export function mount(main, route) {
  setTitle("经验做法");
  main.innerHTML = `<div class="view view-practices">
    <h1 tabindex="-1">经验做法</h1>
    <p class="lead">从经验总结、进展报告和实施方案中整理的可复制、可推广做法；同一做法的多处出处合并列出。</p>
    <form class="search-form">
      <div class="search-row">
        <label for="practice-q" class="visually-hidden">在做法中检索</label>
        <input id="practice-q" name="q" type="search" placeholder="在做法中检索，如：余热、光伏、合同能源管理" maxlength="200">
        <button type="submit" class="primary">筛选</button>
      </div>
      <div class="chips" role="group" aria-label="试点类型">${typeChips("", VOCAB.pilot_types)}</div>
      <div class="filters">
        <label>领域<select name="field">${options(VOCAB.fields, "", "全部领域")}</select></label>
        <label>地区<select name="region">${options(VOCAB.regions, "", "全部地区")}</select></label>
      </div>
    </form>
    <p class="status" aria-live="polite"></p>
    <div class="results"></div>
  </div>`;
  const root = main.firstElementChild;
  const form = root.querySelector("form");
  const status = root.querySelector(".status");
  const results = root.querySelector(".results");
  const fresh = latest();
  let current = {};

  const submit = (changes = {}) => {
    go(href("practices", "", {
      ...current, q: form.elements.q.value.trim(), field: form.elements.field.value, region: form.elements.region.value, ...changes,
    }));
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  form.addEventListener("change", (event) => { if (event.target.tagName === "SELECT") submit(); });
  root.querySelector(".chips").addEventListener("click", (event) => {
    const chip = event.target.closest(".chip");
    if (chip) submit({ pilot_type: chip.dataset.value });
  });

  async function show(route) {
    current = Object.fromEntries(KEYS.map((key) => [key, route.params.get(key) || ""]));
    form.elements.q.value = current.q;
    form.elements.field.value = current.field;
    form.elements.region.value = current.region;
    pressChip(root.querySelector(".chips"), current.pilot_type);
    const isFresh = fresh();
    status.textContent = "正在加载经验做法…";
    try {
      const list = await getJSON("/practices", { ...current, limit: 100 });
      if (!isFresh()) return;
      status.textContent = list.length ? `共 ${list.length} 条经验做法${current.q ? "（按相关度排列）" : ""}` : "";
      results.innerHTML = list.length
        ? list.map((practice) => practiceCard(practice, { level: 2 })).join("")
        : `<p class="notice">所选条件下没有经验做法，可以减少筛选条件。</p>`;
    } catch (error) {
      if (!isFresh()) return;
      status.textContent = "";
      results.innerHTML = errorBox(error);
    }
  }

  show(route);
  return { update: show };
}
