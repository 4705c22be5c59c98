// 上传: a pilot (or the DRC) sends reports up with its write token. GET /writer says
// whose token it is, so the metadata form comes prefilled with the pilot's id, name,
// type and region; the upload then runs as a background job whose stage and progress
// show here, ending in one result line per file (linked to the stored document).

import { VOCAB, docHref, esc, options, setTitle } from "../lib.js";

const KEY = "tanlu-write-token"; // this tab only, like the read token
const POLL_MS = 500;

function storedWriteToken() {
  try {
    return sessionStorage.getItem(KEY) || "";
  } catch {
    return "";
  }
}

function storeWriteToken(token) {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    /* storage blocked: the token lasts while the view is open */
  }
}

async function detailOf(response) {
  try {
    const detail = (await response.json()).detail;
    if (typeof detail === "string") return detail;
  } catch {
    /* not JSON */
  }
  return `服务返回错误（${response.status}）`;
}

const STATUS = { ok: "已入库", error: "未导入", skipped: "跳过" };

/** The job's end in one line, as the server words it (how many files were stored and how
 * many were not): in the success green only when none failed, as a warning when some
 * did, and as an error (read out at once) when none was stored. */
function summaryOf(job) {
  const ok = job.files.filter((file) => file.status === "ok").length;
  const line = esc(job.message || job.error || "");
  if (job.state === "failed" || !ok) return `<p class="notice error" role="alert">${line}</p>`;
  if (ok === job.files.length) return `<p class="status done" role="status">${line}</p>`;
  return `<p class="notice warning" role="status">${line}</p>`;
}

/** The file input stays in the page (keyboard focus, the form's files) but hidden: the
 * browser draws its own 「Choose Files / No file chosen」 in the user's OS language, so a
 * Chinese button (its label) and a line naming the chosen files stand in for it. Files
 * dropped on the picker are taken as if chosen, as the native input took them. */
function filePicker(picker) {
  const input = picker.querySelector("input[type=file]");
  const chosen = picker.querySelector("#up-files-chosen");
  const show = () => {
    const names = [...input.files].map((file) => file.name);
    chosen.textContent = names.length ? `已选择 ${names.length} 个文件：${names.join("、")}` : "未选择文件（也可把文件拖到这里）";
  };
  input.addEventListener("change", show);
  picker.addEventListener("dragover", (event) => {
    event.preventDefault();
    picker.classList.add("dragging");
  });
  picker.addEventListener("dragleave", () => picker.classList.remove("dragging"));
  picker.addEventListener("drop", (event) => {
    event.preventDefault();
    picker.classList.remove("dragging");
    if (!event.dataTransfer?.files.length) return;
    input.files = event.dataTransfer.files;
    show();
  });
}

export function mount(main) {
  setTitle("上传");
  main.innerHTML = `<div class="view view-upload">
    <h1 tabindex="-1">上传文档</h1>
    <p class="lead">试点用本试点的写入令牌上传实施方案、进展报告和经验总结；文件按内容识别格式（PDF、Word、OFD、HTML、Markdown、纯文本），在后台导入。</p>
    <div class="upload-body"></div>
  </div>`;
  const body = main.querySelector(".upload-body");
  let token = storedWriteToken();
  let polling = null;
  let alive = true;

  const request = (path, init = {}) =>
    fetch(path, { ...init, headers: { ...(init.headers || {}), Authorization: `Bearer ${token}` } });

  function askForToken(message = "") {
    body.innerHTML = `<form class="upload-form token-entry" novalidate>
        <label for="write-token">写入令牌</label>
        <p class="muted">由发改委用 <code>tanlu tokens add --pilot 试点编号</code> 生成并发给各试点；只保存在当前标签页。</p>
        ${message ? `<p class="notice error" role="alert">${esc(message)}</p>` : ""}
        <div class="search-row"><input id="write-token" name="token" type="password" autocomplete="off" spellcheck="false">
        <button type="submit" class="primary">确定</button></div>
      </form>`;
    const form = body.querySelector("form");
    form.elements.token.focus();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      token = form.elements.token.value.trim();
      if (token) identify();
    });
  }

  async function identify() {
    let response;
    try {
      response = await request("/writer");
    } catch {
      askForToken("无法连接知识库服务，请稍后重试。");
      return;
    }
    if (!alive) return;
    if (!response.ok) {
      storeWriteToken("");
      askForToken(await detailOf(response));
      return;
    }
    storeWriteToken(token);
    showForm(await response.json());
  }

  function showForm(writer) {
    const pilot = writer.role === "pilot";
    // What the pilot's documents already declare is fixed for its token (the server
    // refuses another value): shown, not editable; a disabled select is not sent, and
    // the server fills it from the stored documents.
    const fixed = new Set(writer.fixed || []);
    const locked = (name, attribute) => (fixed.has(name) ? ` ${attribute} title="已登记，如需更改请联系发改委"` : "");
    const who = pilot
      ? `试点 <strong>${esc(writer.pilot || writer.pilot_id)}</strong>${writer.pilot ? `（${esc(writer.pilot_id)}）` : ""}：只能上传、替换、删除本试点的文档`
      : "<strong>发改委</strong>：可上传全部试点的文档（填写试点编号则存入该试点的目录）";
    body.innerHTML = `<p class="writer">当前身份：${who} <button type="button" class="link change-token">更换令牌</button></p>
      <form class="upload-form" novalidate>
        <div class="field wide"><label for="up-files">文件（可多选）</label>
          <div class="file-picker">
            <input id="up-files" name="files" type="file" multiple required class="visually-hidden" aria-describedby="up-files-chosen">
            <label for="up-files" class="file-button" aria-hidden="true">选择文件</label>
            <span id="up-files-chosen" class="muted">未选择文件（也可把文件拖到这里）</span>
          </div></div>
        <p class="muted wide">以下元数据写入每个文件的旁注；文件开头自带元数据（front matter）的，以文件为准。留空的字段由正文推断。${
          fixed.size ? "试点名称、类型、地区已按本试点已有的文档登记，不能在此更改（如需更改请联系发改委）。" : ""
        }</p>
        <div class="field wide"><label for="up-title">标题</label><input id="up-title" name="title" type="text" maxlength="200" placeholder="留空则取文件中的标题"></div>
        <div class="field"><label for="up-pilot">试点名称</label><input id="up-pilot" name="pilot" type="text" maxlength="100" value="${esc(writer.pilot || "")}"${locked("pilot", "readonly")}></div>
        <div class="field"><label for="up-pilot-id">试点编号</label><input id="up-pilot-id" name="pilot_id" type="text" maxlength="64" value="${esc(writer.pilot_id || "")}"${pilot ? " readonly" : ""}></div>
        <div class="field"><label for="up-type">试点类型</label><select id="up-type" name="pilot_type"${locked("pilot_type", "disabled")}>${options(VOCAB.pilot_types, writer.pilot_type, "（推断）")}</select></div>
        <div class="field"><label for="up-region">所在地区</label><select id="up-region" name="region"${locked("region", "disabled")}>${options(VOCAB.regions, writer.region, "（推断）")}</select></div>
        <div class="field"><label for="up-doc-type">文档类型</label><select id="up-doc-type" name="doc_type">${options(VOCAB.doc_types, "", "（推断）")}</select></div>
        <div class="field"><label for="up-period">半年度</label><input id="up-period" name="period" type="text" maxlength="6" placeholder="如 2025H1"></div>
        <div class="actions wide"><button type="submit" class="primary">上传</button></div>
      </form>
      <div class="upload-progress" aria-live="polite"></div>
      <div class="upload-results"></div>`;
    body.querySelector(".change-token").addEventListener("click", () => {
      storeWriteToken("");
      token = "";
      askForToken();
    });
    filePicker(body.querySelector(".file-picker"));
    body.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      send(event.target);
    });
  }

  async function send(form) {
    const progress = body.querySelector(".upload-progress");
    const results = body.querySelector(".upload-results");
    const files = form.elements.files.files;
    if (!files.length) {
      progress.innerHTML = '<p class="notice error" role="alert">请选择要上传的文件。</p>';
      return;
    }
    const data = new FormData();
    for (const file of files) data.append("files", file, file.name);
    for (const name of ["title", "pilot", "pilot_id", "pilot_type", "region", "doc_type", "period"]) {
      const value = form.elements[name].value.trim();
      if (value) data.append(name, value);
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    results.innerHTML = "";
    progress.innerHTML = '<p class="status">正在上传…</p>';
    try {
      const response = await request("/documents", { method: "POST", body: data });
      if (!response.ok) {
        progress.innerHTML = `<p class="notice error" role="alert">${esc(await detailOf(response))}</p>`;
        return;
      }
      const accepted = await response.json();
      // The files are the server's now: cleared, so that a second 「上传」 does not send
      // them again. A refused upload (above) keeps them for a corrected form.
      const input = form.elements.files;
      input.value = "";
      input.dispatchEvent(new Event("change"));
      const refused = accepted.refused.map((file) => `<li>${esc(file.filename)}：${esc(file.detail)}</li>`).join("");
      if (refused) results.innerHTML = `<div class="notice error"><p>以下文件未接收：</p><ul>${refused}</ul></div>`;
      await follow(accepted.job_id, progress, results);
    } catch {
      progress.innerHTML = '<p class="notice error" role="alert">无法连接知识库服务，请稍后重试。</p>';
    } finally {
      button.disabled = false;
    }
  }

  async function follow(jobId, progress, results) {
    for (;;) {
      if (!alive) return;
      const response = await request(`/jobs/${encodeURIComponent(jobId)}`);
      if (!response.ok) {
        progress.innerHTML = `<p class="notice error" role="alert">${esc(await detailOf(response))}</p>`;
        return;
      }
      const job = await response.json();
      if (job.state === "done" || job.state === "failed") {
        progress.innerHTML = summaryOf(job);
        // The table lists every file, the ones refused on receipt too: it replaces the
        // 未接收 box shown while the job ran, so that no file is listed twice.
        results.innerHTML = resultTable(job.files);
        return;
      }
      const stage = job.state === "queued" ? "排队中" : job.stage || "准备中";
      const bar = job.total ? `<progress max="${job.total}" value="${job.done}"></progress> ${job.done}/${job.total}` : "<progress></progress>";
      progress.innerHTML = `<p class="status">任务 ${esc(jobId.slice(0, 8))}：${esc(stage)} ${bar}</p>`;
      await new Promise((resolve) => { polling = setTimeout(resolve, POLL_MS); });
    }
  }

  function resultTable(files) {
    const rows = files.map((file) => {
      const name = file.doc_id ? `<a href="${docHref(file.doc_id)}">${esc(file.path)}</a>` : esc(file.path);
      const detail = file.status === "ok" ? `${esc(file.doc_id)}${file.chunks ? `（${file.chunks} 个分块）` : ""}${file.message ? `；${esc(file.message)}` : ""}` : esc(file.message);
      // A metadata error already says 「字段 pilot：…」; name the field only where it does not.
      const named = file.field_name && (file.message || "").includes(`字段 ${file.field_name}`);
      const label = VOCAB.field_labels[file.field_name];
      const shown = label ? `${label} ${file.field_name}` : file.field_name;
      const field = file.field_name && !named ? `<span class="muted">（字段：${esc(shown)}）</span>` : "";
      return `<tr class="result-${esc(file.status)}"><td>${name}</td><td>${STATUS[file.status] || esc(file.status)}</td><td>${detail}${field}</td></tr>`;
    });
    return `<table class="upload-table"><caption>逐文件结果</caption><thead><tr><th>文件</th><th>结果</th><th>说明</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
  }

  if (token) identify();
  else askForToken();
  return {
    unmount() {
      alive = false;
      clearTimeout(polling);
    },
  };
}
