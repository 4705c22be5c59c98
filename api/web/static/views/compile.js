// 汇编: choose pilot types, fields and periods, preview the compilation (Markdown shown
// as simple HTML) and download it as a Word file.

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

export function mount(main, route) {
  setTitle("经验汇编");
  main.innerHTML = `<div class="view view-compile">
    <h1 tabindex="-1">经验汇编</h1>
    <p class="lead">按试点类型、领域和时期汇编可复制、可推广的经验做法：按类型和领域分组，每条做法附编号的来源清单。可先预览，再下载 Word 文件。</p>
    <form class="compile-form"></form>
    <p class="status" aria-live="polite"></p>
    <div class="preview"></div>
  </div>`;
  const root = main.firstElementChild;
  const form = root.querySelector("form");
  const status = root.querySelector(".status");
  const preview = root.querySelector(".preview");
  const fresh = latest();
  let known = [];

  const selection = () => ({
    pilot_types: [...form.querySelectorAll("input[name=pilot_types]:checked")].map((box) => box.value),
    fields: [...form.querySelectorAll("input[name=fields]:checked")].map((box) => box.value),
    periods: [...form.querySelectorAll("input[name=periods]:checked")].map((box) => box.value),
    title: form.elements.title.value.trim() || DEFAULT_TITLE,
  });
  const stateHash = (extra = {}) => {
    const chosen = selection();
    return href("compile", "", { ...chosen, title: chosen.title === DEFAULT_TITLE ? "" : chosen.title, ...extra });
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
      <div class="actions">
        <button type="submit" class="primary">预览</button>
        <button type="button" class="download">下载 Word 文件</button>
      </div>`;
  }

  form.addEventListener("change", () => replaceHash(stateHash()));
  form.addEventListener("submit", (event) => { event.preventDefault(); go(stateHash({ preview: "1" })); });
  form.addEventListener("click", async (event) => {
    if (!event.target.closest(".download")) return;
    const button = event.target.closest(".download");
    button.disabled = true;
    status.textContent = "正在生成 Word 文件…";
    try {
      const response = await post("/compile", { ...selection(), format: "docx" });
      const url = URL.createObjectURL(await response.blob());
      const link = Object.assign(document.createElement("a"), { href: url, download: "汇编.docx" });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      status.textContent = "已生成 汇编.docx，请在浏览器的下载列表中查看。";
    } catch (error) {
      status.textContent = "";
      preview.innerHTML = errorBox(error);
    } finally {
      button.disabled = false;
    }
  });

  async function show(route) {
    drawForm(route);
    if (route.params.get("preview") !== "1") {
      preview.innerHTML = "";
      status.textContent = "";
      return;
    }
    const isFresh = fresh();
    status.textContent = "正在生成预览…";
    try {
      const text = await (await post("/compile", { ...selection(), format: "markdown" })).text();
      if (!isFresh()) return;
      status.textContent = "预览如下；Word 文件的内容与此相同，另有封面和目录格式。";
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
      "periods", "时期", [...new Set([...known, ...selection().periods])].sort().reverse(), selection().periods);
  }).catch(() => {});
  show(route);
  return { update: show };
}
