// 汇编: choose pilot types, fields and periods; pick or drop practices (each with its
// replicability score and reasons), order the field groups, set 编印单位 and date; preview
// the pages as the Word/PDF file lays them out (or the text), and download .docx, .pdf or .md.

import { VOCAB, errorBox, esc, go, href, latest, listParam, periods, post, replaceHash, setTitle } from "../lib.js";

const DEFAULT_TITLE = "宁夏碳达峰试点可复制可推广经验做法汇编";

/** The few Markdown forms the compiler writes: headings, nested lists, quotes, paragraphs. */
export function renderMarkdown(markdown) {
  const out = [];
  const lists = [];
  let paragraph = [];
  const inline = (text) => esc(text).replace(/\[(\d+)\]/g, '<span class="ref">[$1]</span>');
  const closeParagraph = () => {
    if (paragraph.length) out.push(`<p>${inline(paragraph.join(""))}</p>`);
    paragraph = [];
  };
  const closeLists = (depth = 0) => {
    while (lists.length > depth) { out.push("</li></ul>"); lists.pop(); }
  };
  for (const line of markdown.split("\n")) {
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    const item = line.match(/^(\s*)[-*]\s+(.*)$/);
    if (heading) {
      closeParagraph(); closeLists();
      const level = Math.min(heading[1].length + 1, 6);
      out.push(`<h${level}>${inline(heading[2])}</h${level}>`);
    } else if (item) {
      closeParagraph();
      const depth = Math.floor(item[1].length / 2) + 1;
      if (depth > lists.length) { while (lists.length < depth) { out.push("<ul><li>"); lists.push(true); } }
      else { closeLists(depth); out.push("</li><li>"); }
      out.push(inline(item[2]));
    } else if (line.startsWith(">")) {
      closeParagraph(); closeLists();
      out.push(`<blockquote>${inline(line.replace(/^>\s?/, ""))}</blockquote>`);
    } else if (!line.trim()) {
      closeParagraph(); closeLists();
    } else {
      closeLists();
      paragraph.push(line.trim());
    }
  }
  closeParagraph(); closeLists();
  return out.join("\n");
}

function checkboxes(name, legend, values, chosen) {
  const boxes = values.map((value) => `<label class="check"><input type="checkbox" name="${name}" value="${esc(value)}"${chosen.includes(value) ? " checked" : ""}> ${esc(value)}</label>`);
  return `<fieldset class="checks" data-name="${name}"><legend>${esc(legend)}<span class="muted">（不选即全部）</span></legend>${boxes.join("")}</fieldset>`;
}

const FORMATS = { docx: ["Word 文件", "docx"], pdf: ["PDF 文件", "pdf"], markdown: ["Markdown 文件", "md"] };

export function mount(main, route) {
  setTitle("经验汇编");
  main.innerHTML = `<div class="view view-compile">
    <h1 tabindex="-1">经验汇编</h1>
    <p class="lead">按试点类型、领域和时期汇编可复制、可推广的经验做法（公文版式）：做法按自身内容归入领域、领域内按试点类型分组，每条附可复制性评分、成效和编号来源。可勾选或去掉做法、调整领域顺序，预览页面后下载 Word、PDF 或 Markdown。</p>
    <form class="compile-form"></form>
    <p class="status" aria-live="polite"></p>
    <section class="selection" aria-label="收录的做法"></section>
    <div class="preview"></div>
  </div>`;
  const root = main.firstElementChild;
  const form = root.querySelector("form");
  const status = root.querySelector(".status");
  const picker = root.querySelector(".selection");
  const preview = root.querySelector(".preview");
  const fresh = latest();
  let known = [];
  let listed = null; // the selection as the server lists it: {fields, items, limit}
  let order = []; // field groups in the user's order
  let picks = new Map(); // practice_id -> included

  const filters = () => ({
    pilot_types: [...form.querySelectorAll("input[name=pilot_types]:checked")].map((box) => box.value),
    fields: [...form.querySelectorAll("input[name=fields]:checked")].map((box) => box.value),
    periods: [...form.querySelectorAll("input[name=periods]:checked")].map((box) => box.value),
  });
  const selection = () => {
    const chosen = {
      ...filters(),
      title: form.elements.title.value.trim() || DEFAULT_TITLE,
      issuer: form.elements.issuer.value.trim(),
    };
    if (form.elements.date.value) chosen.date = form.elements.date.value;
    return chosen;
  };
  /** The request body: the filters, the form, and the picks and order when listed. */
  const body = (format) => {
    const request = { ...selection(), format };
    if (listed) {
      request.practice_ids = [...picks].filter(([, on]) => on).map(([id]) => id);
      request.field_order = order;
    }
    return request;
  };
  const stateHash = (extra = {}) => {
    const chosen = selection();
    return href("compile", "", { ...filters(), title: chosen.title === DEFAULT_TITLE ? "" : chosen.title, issuer: chosen.issuer, date: chosen.date || "", ...extra });
  };

  function drawForm(route) {
    const title = route.params.get("title") || DEFAULT_TITLE;
    const chosenPeriods = listParam(route.params, "periods");
    const periodValues = [...new Set([...known, ...chosenPeriods])].sort().reverse();
    form.innerHTML = `
      ${checkboxes("pilot_types", "试点类型", VOCAB.pilot_types, listParam(route.params, "pilot_types"))}
      ${checkboxes("fields", "领域", VOCAB.fields, listParam(route.params, "fields"))}
      ${checkboxes("periods", "时期", periodValues, chosenPeriods)}
      <label class="title-field">汇编标题<input name="title" type="text" maxlength="100" value="${esc(title)}"></label>
      <div class="cover-fields">
        <label>编印单位<input name="issuer" type="text" maxlength="60" placeholder="如 宁夏回族自治区发展和改革委员会（空则用服务端设置）" value="${esc(route.params.get("issuer") || "")}"></label>
        <label>日期<input name="date" type="date" value="${esc(route.params.get("date") || "")}"></label>
      </div>
      <div class="actions">
        <button type="button" class="list primary">列出做法</button>
        <button type="submit">预览文字</button>
        <button type="button" class="pages">预览页面</button>
        ${Object.entries(FORMATS).map(([format, [label]]) => `<button type="button" class="download" data-format="${format}">下载 ${label}</button>`).join("")}
      </div>`;
  }

  function drawSelection() {
    if (!listed) { picker.innerHTML = ""; return; }
    const included = [...picks.values()].filter(Boolean).length;
    const groups = order.map((field, index) => {
      const items = listed.items.filter((item) => item.field === field);
      const rows = items.map((item) => `<li class="pick${item.routine ? " routine" : ""}">
          <label><input type="checkbox" name="pick" value="${esc(item.practice_id)}"${picks.get(item.practice_id) ? " checked" : ""}>
          <span class="pick-title">${esc(item.title)}</span></label>
          <span class="muted">${esc(item.pilot)}（${esc(item.pilot_type)}）</span>
          <span class="score" title="${esc(item.reasons.join("、"))}">可复制性 ${item.score} 分</span>
          <span class="muted reasons">${esc(item.reasons.join("、"))}${item.routine ? "（默认不收录）" : ""}</span>
        </li>`).join("");
      return `<section class="field-group" data-field="${esc(field)}">
        <h3><span class="group-name">${esc(field)}</span> <span class="muted">${items.length} 项</span>
          <button type="button" class="move" data-move="-1" data-field="${esc(field)}" aria-label="${esc(field)} 上移"${index ? "" : " disabled"}>↑</button>
          <button type="button" class="move" data-move="1" data-field="${esc(field)}" aria-label="${esc(field)} 下移"${index < order.length - 1 ? "" : " disabled"}>↓</button>
        </h3><ul class="picks">${rows}</ul></section>`;
    }).join("");
    picker.innerHTML = `<h2>收录的做法 <span class="muted picked-count">已选 ${included} / ${listed.items.length} 项（上限 ${listed.limit}）</span></h2>${groups}`;
  }

  async function list() {
    const isFresh = fresh();
    status.textContent = "正在列出做法…";
    try {
      const chosen = selection();
      listed = await (await post("/compile/selection", { pilot_types: chosen.pilot_types, fields: chosen.fields, periods: chosen.periods })).json();
      if (!isFresh()) return;
      order = [...listed.fields];
      picks = new Map(listed.items.map((item) => [item.practice_id, !item.routine]));
      drawSelection();
      status.textContent = "勾选要收录的做法（例行管理事项默认不收录），用 ↑↓ 调整领域顺序。";
    } catch (error) {
      if (!isFresh()) return;
      status.textContent = "";
      picker.innerHTML = errorBox(error);
    }
  }

  async function download(button) {
    const format = button.dataset.format;
    const [label, suffix] = FORMATS[format];
    button.disabled = true;
    status.textContent = format === "markdown" ? `正在生成 ${label}…` : `正在排版 ${label}（LibreOffice 计算目录页码，约需半分钟）…`;
    try {
      const response = await post("/compile", body(format));
      const note = response.headers.get("X-Tanlu-Note");
      const url = URL.createObjectURL(await response.blob());
      const link = Object.assign(document.createElement("a"), { href: url, download: `汇编.${suffix}` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      status.textContent = `已生成 汇编.${suffix}，请在浏览器的下载列表中查看。` + (note ? decodeURIComponent(note) : "");
    } catch (error) {
      status.textContent = "";
      preview.innerHTML = errorBox(error);
    } finally {
      button.disabled = false;
    }
  }

  async function pages(button) {
    const isFresh = fresh();
    button.disabled = true;
    status.textContent = "正在排版页面预览（LibreOffice，约需一分钟）…";
    try {
      const shown = await (await post("/compile/preview", body("pdf"))).json();
      if (!isFresh()) return;
      status.textContent = `共 ${shown.pages} 页` + (shown.images.length < shown.pages ? `，显示前 ${shown.images.length} 页。` : "。");
      preview.innerHTML = `<h2 class="visually-hidden">页面预览</h2><div class="page-images">${shown.images.map((src, index) =>
        `<figure><img src="${src}" alt="第 ${index + 1} 页" loading="lazy"><figcaption>${index ? `— ${index} —` : "封面"}</figcaption></figure>`).join("")}</div>`;
    } catch (error) {
      if (!isFresh()) return;
      status.textContent = "";
      preview.innerHTML = errorBox(error);
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener("change", (event) => {
    // New filters mean a new selection; the title, 编印单位 and date keep the picks.
    if (event.target.closest("fieldset.checks")) { listed = null; drawSelection(); }
    replaceHash(stateHash());
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); go(stateHash({ preview: "1" })); });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.classList.contains("download")) download(button);
    else if (button.classList.contains("pages")) pages(button);
    else if (button.classList.contains("list")) list();
  });
  picker.addEventListener("change", (event) => {
    const box = event.target.closest("input[name=pick]");
    if (!box) return;
    picks.set(box.value, box.checked);
    const included = [...picks.values()].filter(Boolean).length;
    picker.querySelector(".picked-count").textContent = `已选 ${included} / ${listed.items.length} 项（上限 ${listed.limit}）`;
  });
  picker.addEventListener("click", (event) => {
    const button = event.target.closest("button.move");
    if (!button) return;
    const index = order.indexOf(button.dataset.field);
    const target = index + Number(button.dataset.move);
    if (target < 0 || target >= order.length) return;
    [order[index], order[target]] = [order[target], order[index]];
    drawSelection();
    picker.querySelector(`button.move[data-field="${CSS.escape(button.dataset.field)}"][data-move="${button.dataset.move}"]`)?.focus();
  });

  async function show(route) {
    drawForm(route);
    if (route.params.get("preview") !== "1") {
      preview.innerHTML = "";
      if (!listed) status.textContent = "";
      return;
    }
    const isFresh = fresh();
    status.textContent = "正在生成预览…";
    try {
      const text = await (await post("/compile", body("markdown"))).text();
      if (!isFresh()) return;
      status.textContent = "文字预览如下；Word、PDF 文件另有封面、页码和公文版式（「预览页面」可看排版）。";
      preview.innerHTML = `<h2 class="visually-hidden">预览</h2><div class="markdown">${renderMarkdown(text)}</div>`;
    } catch (error) {
      if (!isFresh()) return;
      status.textContent = "";
      preview.innerHTML = errorBox(error);
    }
  }

  periods().then((list) => {
    known = list;
    if (root.isConnected) form.querySelector("fieldset[data-name=periods]").outerHTML = checkboxes(
      "periods", "时期", [...new Set([...known, ...filters().periods])].sort().reverse(), filters().periods);
  }).catch(() => {});
  show(route);
  return { update: show };
}
