// 问答: a question answered from the sources in the shape it asks for — practices of
// each pilot with 做法 and 成效 apart, a table of one figure across pilots, targets with
// their status and the practices credited for them, or cited
// sentences grouped by pilot; each [n] opens its source passage in place. When the
// evidence is thin the page says so plainly, names what is missing, and lists the
// possibly related material instead.

import {
  VOCAB, docHref, errorBox, esc, go, headingTrail, href, inferredMark, latest, options, pageLabel, paragraphs, post, setTitle,
  typeBadge,
} from "../lib.js";

const NOT_FOUND = "知识库中没有找到能直接回答这个问题的内容。";

/** Section path of a source, with its page for paged formats. */
function trail(citation) {
  const page = pageLabel(citation.page, citation.page_end);
  return `${headingTrail(citation.heading_path)}${page ? ` <span class="page-no">· ${page}</span>` : ""}`;
}

function sourcePanel(citation, id) {
  return `<div class="cite-panel" id="${id}" role="region" aria-label="来源 [${citation.n}]">
    <p class="card-meta"><span>${typeBadge(citation.pilot_type)}${inferredMark(citation, "pilot_type")}</span> <span>${esc(citation.pilot)}${inferredMark(citation, "pilot")}</span></p>
    <p class="cite-title"><strong>[${citation.n}] ${esc(citation.title)}</strong></p>
    <p class="trail">${trail(citation)}</p>
    <blockquote class="chunk">${paragraphs(citation.chunk_text)}</blockquote>
    <p><a href="${esc(docHref(citation.doc_id, citation.anchor))}">打开原文，定位到该章节</a></p>
  </div>`;
}

function answerBlock(body) {
  const byNumber = new Map(body.citations.map((citation) => [citation.n, citation]));
  let counter = 0;
  const buttons = (numbers) => numbers.map((n) => {
    const id = `cite-${++counter}`;
    return byNumber.has(n)
      ? `<button type="button" class="cite" data-n="${n}" aria-expanded="false" aria-controls="${id}" title="查看来源 [${n}]">[${n}]</button>`
      : `<span class="cite">[${n}]</span>`;
  }).join("");
  const items = (sentences) => sentences.map((sentence) => `<li>${esc(sentence.text)} ${buttons(sentence.citations)}</li>`).join("");
  let html;
  if (body.table) html = tableBlock(body.table, buttons);
  else if (body.targets?.length || body.tallies?.length) html = targetBlock(body.targets, body.tallies ?? [], buttons);
  else if (body.practices.length) html = practiceBlock(body.practices, items);
  else {
    const groups = body.groups.map((group) =>
      `<section class="answer-group"><h3>${esc(group.pilot)}</h3><ul class="answer-sentences">${items(group.sentences)}</ul></section>`);
    html = groups.length ? groups.join("") : `<p>${esc(body.answer)}</p>`;
  }
  return { html, byNumber };
}

/** Practices grouped by pilot: each a title, then 做法 and 成效 under their own labels. */
function practiceBlock(practices, items) {
  const byPilot = new Map();
  for (const practice of practices) {
    if (!byPilot.has(practice.pilot_id)) byPilot.set(practice.pilot_id, []);
    byPilot.get(practice.pilot_id).push(practice);
  }
  return [...byPilot.values()].map((list) => {
    const first = list[0];
    const cards = list.map((practice) => `<article class="practice-answer">
        <h4>${esc(practice.title)}</h4>
        <div class="role role-method"><span class="role-label">做法</span><ul class="answer-sentences">${items(practice.method)}</ul></div>
        ${practice.effect.length ? `<div class="role role-effect"><span class="role-label">成效</span><ul class="answer-sentences">${items(practice.effect)}</ul></div>` : ""}
      </article>`).join("");
    return `<section class="answer-group" data-pilot="${esc(first.pilot_id)}">
      <h3>${esc(first.pilot)} ${typeBadge(first.pilot_type)}</h3>${cards}</section>`;
  }).join("");
}

/** Targets grouped by pilot: for a question about a year's targets as a whole, each
 * pilot's tally (met by the year's end, by rule) beside its report's own account; then
 * status and reason, the plan's and the latest report's sentences (each cited), and the
 * practices the pilot credits. */
function targetBlock(targets, tallies, buttons) {
  const byPilot = new Map();
  for (const tally of tallies) byPilot.set(tally.pilot_id, { first: tally, tally, cards: [] });
  for (const target of targets) {
    if (!byPilot.has(target.pilot_id)) byPilot.set(target.pilot_id, { first: target, tally: null, cards: [] });
    byPilot.get(target.pilot_id).cards.push(target);
  }
  const line = (label, sentence) => sentence
    ? `<p class="target-line-text"><span class="cite-label">${label}</span>${esc(sentence.text)} ${buttons(sentence.citations)}</p>` : "";
  const tallyBlock = (tally) => `<div class="target-tally">
      <p><span class="status-chip status-${tally.met === tally.total ? "已完成" : "滞后"}">${tally.year}年目标 ${tally.met}/${tally.total} 项已完成</span>
      <span class="muted">按规则判定（以当年年底前的报告数值计）${tally.unmet.length ? `；未完成：${esc(tally.unmet.join("、"))}` : ""}</span></p>
      ${line("报告自述：", tally.statement)}</div>`;
  return [...byPilot.values()].map(({ first, tally, cards }) => {
    const html = cards.map((target) => `<article class="target-answer" data-target="${esc(target.target_id)}">
        <h4>${esc(target.indicator)}（${target.year}年目标） <span class="status-chip status-${esc(target.status)}">${esc(target.status)}</span></h4>
        <p class="muted">${esc(target.reason)}</p>
        ${line("目标原文：", target.target)}${line("判定依据：", target.latest)}
        ${target.practices.length ? `<div class="role role-method"><span class="role-label">靠什么做到</span><ul class="answer-sentences">${target.practices.map((practice) =>
          `<li><strong>${esc(practice.title)}</strong>：${esc(practice.sentence.text)} ${buttons(practice.sentence.citations)}</li>`).join("")}</ul></div>` : ""}
      </article>`).join("");
    return `<section class="answer-group" data-pilot="${esc(first.pilot_id)}">
      <h3>${esc(first.pilot)} ${typeBadge(first.pilot_type)}</h3>${tally ? tallyBlock(tally) : ""}${html}</section>`;
  }).join("");
}

const number = (value) => (Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4))));

/** One figure across pilots, ranked, each row citing its source; a caveat when the rows differ in unit or period. */
function tableBlock(table, buttons) {
  const rows = table.rows.map((row, index) => `<tr>
      <td>${index + 1}</td><td>${esc(row.pilot)}</td>
      <td class="num">${esc(number(row.value))} ${esc(row.unit)}</td>
      <td>${esc(row.period || "时期未注明")}</td>
      <td class="source"><span class="row-sentence">${esc(row.sentence)}</span> ${buttons([row.citation])}</td></tr>`).join("");
  const caveat = table.comparable ? "" : `<p class="notice caveat" role="note"><strong>不宜直接比较：</strong>${esc(table.caveat)}</p>`;
  return `${caveat}<table class="figure-table"><caption>${esc(table.indicator)}（${table.descending ? "从高到低" : "从低到高"}）</caption>
    <thead><tr><th scope="col">序号</th><th scope="col">试点</th><th scope="col">数值</th><th scope="col">时期</th><th scope="col">原文</th></tr></thead>
    <tbody>${rows}</tbody></table>`;
}

function correctionsBlock(corrections) {
  if (!corrections || !corrections.length) return "";
  const items = corrections.map((c) => `已按“<strong>${esc(c.meant)}</strong>”理解“${esc(c.typed)}”`).join("；");
  return `<p class="notice correction" role="note">${items}。</p>`;
}

const excerpt = (text) => (text.length > 180 ? `${text.slice(0, 180)}…` : text);

function relatedBlock(related) {
  if (!related.length) return "";
  const items = related.map((item) => `<li class="card">
      <p class="card-meta"><span>${typeBadge(item.pilot_type)}${inferredMark(item, "pilot_type")}</span> <span>${esc(item.pilot)}${inferredMark(item, "pilot")}</span></p>
      <p class="card-title"><a href="${esc(docHref(item.doc_id, item.anchor))}">${esc(item.title)}</a></p>
      <p class="trail">${trail(item)}</p>
      <p class="passage">${esc(excerpt(item.chunk_text))}</p></li>`);
  return `<section class="related"><h2>可能相关的材料</h2><ul class="related-list">${items.join("")}</ul></section>`;
}

function render(body) {
  const origin = body.generated ? "由大模型依据原文改写，请核对引用。" : "";
  if (!body.found) {
    return {
      html: `${correctionsBlock(body.corrections)}<div class="notice not-found" role="status"><strong>${esc(body.answer || NOT_FOUND)}</strong>
          ${body.note && body.note !== body.answer ? `<p>${esc(body.note)}</p>` : ""}</div>${relatedBlock(body.related)}`,
      byNumber: new Map(),
    };
  }
  const answer = answerBlock(body);
  const note = (body.note || "").replace(/已按“[^”]*”理解“[^”]*”。/g, "");
  return {
    html: `${correctionsBlock(body.corrections)}<section class="answer answer-${esc(body.plan)}" aria-label="回答"><h2>回答</h2>
        <p class="muted">${esc(note)}${esc(origin)}点击编号可在此展开来源原文。</p>
        ${answer.html}</section>${relatedBlock(body.related)}`,
    byNumber: answer.byNumber,
  };
}

export function mount(main, route) {
  setTitle("问答");
  main.innerHTML = `<div class="view view-ask">
    <h1 tabindex="-1">问答</h1>
    <form class="ask-form">
      <label for="ask-q">问题</label>
      <textarea id="ask-q" name="question" rows="2" maxlength="500" placeholder="如：其他园区是怎么利用余热的？"></textarea>
      <div class="filters">
        <label>试点类型<select name="pilot_type">${options(VOCAB.filter_pilot_types, "", "全部类型")}</select></label>
        <label>领域<select name="field">${options(VOCAB.fields, "", "全部领域")}</select></label>
        <button type="submit" class="primary">提问</button>
      </div>
    </form>
    <p class="status" aria-live="polite"></p>
    <div class="answer-area"></div>
  </div>`;
  const root = main.firstElementChild;
  const form = root.querySelector("form");
  const status = root.querySelector(".status");
  const area = root.querySelector(".answer-area");
  const fresh = latest();
  let byNumber = new Map();

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = form.elements.question.value.trim();
    if (!question) { status.textContent = "请先输入问题。"; form.elements.question.focus(); return; }
    go(href("ask", "", { q: question, pilot_type: form.elements.pilot_type.value, field: form.elements.field.value }));
  });
  form.elements.question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
  });
  // [n] opens (and closes) its source right under the sentence.
  area.addEventListener("click", (event) => {
    const button = event.target.closest("button.cite");
    if (!button) return;
    const id = button.getAttribute("aria-controls");
    const open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", String(!open));
    if (open) { document.getElementById(id)?.remove(); return; }
    button.closest("li, td, p").insertAdjacentHTML("beforeend", sourcePanel(byNumber.get(Number(button.dataset.n)), id));
  });

  async function show(route) {
    const question = route.params.get("q") || "";
    const filters = { pilot_type: route.params.get("pilot_type") || "", field: route.params.get("field") || "" };
    form.elements.question.value = question;
    form.elements.pilot_type.value = filters.pilot_type;
    form.elements.field.value = filters.field;
    if (!question) {
      status.textContent = "";
      area.innerHTML = `<p class="intro">回答由知识库原文中的句子组成，每句都标注来源（试点、文档、章节）：问“怎么做”时按试点列出做法与成效，问“哪个最多”时给出跨试点对比表。资料不足时会明确说明缺什么。</p>`;
      return;
    }
    setTitle(`问答：${question}`);
    const isFresh = fresh();
    status.textContent = "正在查找资料并组织回答…";
    area.innerHTML = "";
    try {
      const body = { question };
      for (const [key, value] of Object.entries(filters)) if (value) body[key] = value;
      const answer = await (await post("/ask", body)).json();
      if (!isFresh()) return;
      const rendered = render(answer);
      byNumber = rendered.byNumber;
      status.textContent = answer.found ? "已找到相关原文。" : "资料不足。";
      area.innerHTML = rendered.html;
    } catch (error) {
      if (!isFresh()) return;
      status.textContent = "";
      area.innerHTML = errorBox(error);
    }
  }

  show(route);
  if (!route.params.get("q")) form.elements.question.focus();
  return { update: show, ownsFocus: document.activeElement === form.elements.question };
}
