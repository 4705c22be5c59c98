// The document view: full text by section, opened at the section a link points to,
// either by its anchor (?section=s-…) or by its heading path (?path=二、… > （一）…).

import {
  cached, docHref, documentPath, errorBox, esc, headingTrail, inferredMark, pageLabel, paragraphs, pilotHref, replaceHash,
  setTitle, typeBadge,
} from "../lib.js";

const joined = (section) => section.heading_path.join(" > ");

/** The section a heading path names: the same path, else its first subsection. */
export function findSection(sections, path) {
  return (
    sections.find((section) => joined(section) === path) ||
    sections.find((section) => joined(section).startsWith(`${path} > `)) ||
    sections.find((section) => section.heading_path.length && path.startsWith(`${joined(section)} > `))
  );
}

/** A section's own heading, and its text without the heading it repeats. */
function ownHeading(section) {
  const heading = section.heading_path.at(-1);
  if (!heading) return { heading: "", text: section.text };
  const text = section.text.trimStart();
  if (text.startsWith(heading)) {
    const rest = text.slice(heading.length).replace(/^[。：:．.，,；;\s]+/, "");
    // A numbered item that is all heading (「（三）出台……办法。」) reads as a paragraph.
    return rest ? { heading, text: rest } : { heading: "", text: section.text, label: heading };
  }
  const stem = heading.replace(/…+$/, "");
  if (stem !== heading && text.startsWith(stem)) return { heading: "", text: section.text, label: heading };
  return { heading, text: section.text };
}

function body(doc) {
  let previous = [];
  return doc.sections.map((section) => {
    const path = section.heading_path;
    const parts = [];
    // Parent headings are printed once, where their first section starts.
    for (let level = 0; level < path.length - 1; level++) {
      if (previous[level] !== path[level]) {
        parts.push(`<h${Math.min(level + 2, 5)} class="parent-heading">${esc(path[level])}</h${Math.min(level + 2, 5)}>`);
      }
    }
    previous = path;
    const own = ownHeading(section);
    const level = Math.min(path.length + 1, 5);
    const label = own.heading || own.label || "正文开头";
    const page = pageLabel(section.page);
    return `<section class="doc-section" id="${esc(section.anchor)}" tabindex="-1" aria-label="${esc(label)}">
      ${parts.join("")}
      ${own.heading ? `<h${level}>${esc(own.heading)}</h${level}>` : ""}
      ${page ? `<p class="page-no">${page}</p>` : ""}
      ${paragraphs(own.text)}
    </section>`;
  }).join("");
}

function toc(doc) {
  const items = doc.sections.filter((s) => s.heading_path.length).map((section) =>
    `<li class="toc-level-${section.heading_path.length}"><a href="${esc(docHref(doc.doc_id, section.anchor))}">${esc(section.heading_path.at(-1))}</a></li>`);
  return items.length
    ? `<details class="toc"><summary>章节目录（${items.length}）</summary><ol>${items.join("")}</ol></details>`
    : "";
}

function header(doc) {
  const when = doc.period || doc.date;
  const fields = doc.fields.map((field) => `<span class="tag">${esc(field)}</span>`).join("");
  const mark = (key) => inferredMark(doc, key);
  // An uploader declares a field in the upload form; a folder's owner in a sidecar file.
  const where = doc.uploaded ? "可在「上传」页的表单中填写后重新上传该文件" : "可在旁注文件（文件名.meta.yaml）中填写后重新导入";
  const note = doc.inferred?.length
    ? `<p class="muted inferred-note">标有“推断”的字段由文本推断，未经声明；${where}。</p>`
    : "";
  return `<nav class="crumbs" aria-label="位置"><a href="#/pilots">试点</a> › <a href="${pilotHref(doc.pilot_id)}">${esc(doc.pilot)}</a>${mark("pilot")} › ${esc(doc.doc_type)}</nav>
    <h1 tabindex="-1">${esc(doc.title)}${mark("title")}</h1>
    <p class="card-meta"><span>${typeBadge(doc.pilot_type)}${mark("pilot_type")}</span> <span>${esc(doc.region)}${mark("region")}</span>
      <span>${esc(doc.doc_type)}${mark("doc_type")}</span>
      ${when ? `<span>${esc(when)}${mark(doc.period ? "period" : "date")}</span>` : ""}${doc.demo ? `<span class="demo-flag">演示数据</span>` : ""}</p>
    ${note}
    <p class="tags">${fields}</p>`;
}

export function mount(main, route) {
  const show = async (route) => {
    const root = document.createElement("div");
    root.className = "view view-doc";
    root.innerHTML = `<p class="status" role="status">正在打开文档…</p>`;
    main.replaceChildren(root);
    let doc;
    try {
      doc = await cached(documentPath(route.id));
    } catch (error) {
      if (root.isConnected) root.innerHTML = errorBox(error);
      return;
    }
    if (!root.isConnected) return;
    setTitle(doc.title);
    root.innerHTML = `${header(doc)}${toc(doc)}<article class="doc-body">${body(doc)}</article>`;
    let target = null;
    const anchor = route.params.get("section");
    const path = route.params.get("path");
    if (anchor) target = root.querySelector(`#${CSS.escape(anchor)}`);
    else if (path !== null) {
      const section = findSection(doc.sections, path);
      if (section) {
        target = root.querySelector(`#${CSS.escape(section.anchor)}`);
        replaceHash(docHref(doc.doc_id, section.anchor));
      }
    }
    if (target) {
      target.classList.add("target");
      target.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    } else {
      if (anchor || path) {
        root.querySelector("h1").insertAdjacentHTML("afterend",
          `<p class="notice">没有找到链接所指的章节（${headingTrail(path || anchor)}），以下为全文。</p>`);
      }
      root.querySelector("h1").focus({ preventScroll: true });
    }
  };
  show(route);
  return { update: show, ownsFocus: true };
}
