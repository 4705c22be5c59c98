// Shared helpers: the vocabulary, HTML escaping, hash links, JSON API calls.

import { askToken, storedToken, withToken } from "./token.js";

export const VOCAB = JSON.parse(document.getElementById("vocabulary").textContent);

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escape text for insertion into HTML (element content or a quoted attribute). */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

/** `#/<view>/<id>?<params>`; empty parameters are left out. */
export function href(view, id = "", params = {}) {
  const path = id ? `${view}/${id.split("/").map(encodeURIComponent).join("/")}` : view;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    const list = Array.isArray(value) ? value.filter(Boolean) : value ? [value] : [];
    if (list.length) query.set(key, list.join(","));
  }
  const text = query.toString();
  return `#/${path}${text ? `?${text}` : ""}`;
}

export const docHref = (docId, anchor) => href("doc", docId, { section: anchor });
/** A passage's section by its heading path (kept even when empty: the text before any heading). */
export const docPathHref = (docId, headingPath) => `${href("doc", docId)}?path=${encodeURIComponent(headingPath)}`;
export const pilotHref = (pilotId) => href("pilot", pilotId);

/** Go to a page state; going to the state already shown runs it again (a repeated search). */
export function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

/** Record a state in the URL without running it again (a checkbox ticked, a section resolved). */
export const replaceHash = (hash) => history.replaceState(null, "", hash);

export function setTitle(text) {
  document.title = text ? `${text} · 碳路` : "碳路 · 宁夏碳达峰试点知识库";
}

/**
 * Run async loads for one view; a newer load makes older responses stale, so a slow
 * answer never overwrites a newer one.
 */
export function latest() {
  let counter = 0;
  return () => {
    const mine = ++counter;
    return () => mine === counter;
  };
}

/** Split a comma-separated URL parameter into a list. */
export function listParam(params, key) {
  return (params.get(key) || "").split(",").map((item) => item.trim()).filter(Boolean);
}

export class ApiError extends Error {}

async function send(path, options) {
  try {
    return await fetch(path, options);
  } catch {
    throw new ApiError("无法连接知识库服务，请检查网络或稍后重试。");
  }
}

/**
 * Every API request of the page goes through here: it carries the stored read token, and
 * a 401 (reads closed by TANLU_READ_TOKEN) asks for the token and sends the request again.
 */
async function call(path, options = {}) {
  let response;
  for (;;) {
    const token = storedToken();
    response = await send(path, withToken(options, token));
    if (response.status !== 401) break;
    // Another request may have got a token meanwhile: try that one before asking.
    if (storedToken() !== token) continue;
    if (!(await askToken(Boolean(token)))) break; // cancelled: show the server's message
  }
  if (!response.ok) {
    let detail = `服务返回错误（${response.status}）`;
    try {
      const message = (await response.json()).detail;
      // Our API explains itself in Chinese; framework defaults ("Not Found") do not.
      if (typeof message === "string" && /[\u4e00-\u9fff]/.test(message)) detail = message;
    } catch {
      /* the body was not JSON: keep the status message */
    }
    throw new ApiError(detail);
  }
  return response;
}

/** GET a JSON resource; empty query parameters are left out. */
export async function getJSON(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== "" && value != null) query.set(key, value);
  const text = query.toString();
  return (await call(text ? `${path}?${text}` : path)).json();
}

/** POST a JSON body; returns the Response so callers may read JSON, text or a Blob. */
export function post(path, body) {
  return call(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

const cache = new Map();

/** GET once per page load (lists that do not change while the page is open). */
export function cached(path, params = {}) {
  const key = `${path}?${new URLSearchParams(params)}`;
  if (!cache.has(key)) cache.set(key, getJSON(path, params).catch((error) => { cache.delete(key); throw error; }));
  return cache.get(key);
}

export const documentPath = (docId) => `/documents/${docId.split("/").map(encodeURIComponent).join("/")}`;

/** Periods the corpus holds, newest first: years (2025) and half-years (2025H1). */
export async function periods() {
  const documents = await cached("/documents");
  const found = new Set();
  for (const doc of documents) {
    if (doc.year) found.add(String(doc.year));
    if (doc.period) found.add(doc.period);
  }
  return [...found].sort().reverse();
}

/** Badge of a pilot type; its colour comes from the type's place in the vocabulary. */
export function typeBadge(pilotType) {
  const index = VOCAB.pilot_types.indexOf(pilotType);
  return `<span class="badge type-${index < 0 ? "x" : index}">${esc(pilotType)}</span>`;
}

export const INFERRED_TIP = "该字段由文本推断，未经声明";

/** A small 「推断」 mark after a value the server guessed from the document's text
 * (the field is listed in `item.inferred`); nothing for declared values. Where the
 * mark cannot stand right after the value, `label` names the field (「类型推断」). */
export function inferredMark(item, key, label = "推断") {
  return (item.inferred || []).includes(key)
    ? `<span class="inferred" title="${INFERRED_TIP}">${esc(label)}</span>`
    : "";
}

/** 「第3页」 or 「第3–4页」 for passages of paged formats (PDF, OFD); empty otherwise. */
export function pageLabel(page, pageEnd) {
  if (!page) return "";
  return pageEnd && pageEnd !== page ? `第${page}–${pageEnd}页` : `第${page}页`;
}

export function options(values, selected, emptyLabel) {
  const items = [`<option value="">${esc(emptyLabel)}</option>`];
  for (const value of values) {
    items.push(`<option value="${esc(value)}"${value === selected ? " selected" : ""}>${esc(value)}</option>`);
  }
  return items.join("");
}

export const errorBox = (error) =>
  `<div class="notice error" role="alert">${esc(error instanceof ApiError ? error.message : "页面出错：" + error)}</div>`;

export const headingTrail = (path) => esc(path || "（正文开头）").replaceAll(" &gt; ", " › ");

/** Plain text as paragraphs (one per line). */
export function paragraphs(text) {
  return String(text).split("\n").filter((line) => line.trim()).map((line) => `<p>${esc(line)}</p>`).join("");
}

/** A number as Chinese readers expect it: no trailing ".0", thousands not grouped. */
export const num = (value) => (Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4))));

/** One-click pilot-type filter: a row of toggle buttons, "all" first; 政策文件 (the programme's own documents) after the six types. */
export function typeChips(selected, types = VOCAB.filter_pilot_types) {
  return [["", "全部类型"], ...types.map((type) => [type, type])]
    .map(([value, label]) =>
      `<button type="button" class="chip" data-value="${esc(value)}" aria-pressed="${value === selected}">${esc(label)}</button>`)
    .join("");
}

/** Show which chip is on without re-creating the buttons (keeps keyboard focus). */
export function pressChip(container, value) {
  for (const chip of container.querySelectorAll(".chip")) chip.setAttribute("aria-pressed", String(chip.dataset.value === value));
}
