// The read token (TANLU_READ_TOKEN). When the server closes reads, the page asks the
// official for the token once and keeps it in sessionStorage: it survives reloads and
// links opened in the same tab, and is gone when the tab closes, so a shared office
// computer does not keep it.

const KEY = "tanlu-token";

/** The token stored for this tab, or "" (also when storage is blocked). */
export function storedToken() {
  try {
    return sessionStorage.getItem(KEY) || "";
  } catch {
    return "";
  }
}

function store(token) {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    /* storage blocked: the token still works for the requests waiting on it */
  }
}

/** `options` for fetch with the Authorization header added when a token is stored. */
export function withToken(options, token) {
  if (!token) return options;
  return { ...options, headers: { ...(options.headers || {}), Authorization: `Bearer ${token}` } };
}

let dialog = null;

function build() {
  dialog = document.createElement("dialog");
  dialog.className = "token-dialog";
  dialog.setAttribute("aria-labelledby", "token-title");
  dialog.setAttribute("aria-describedby", "token-help");
  dialog.innerHTML = `<form class="token-form" novalidate>
      <h2 id="token-title">此知识库需要访问令牌</h2>
      <p id="token-help" class="muted">请输入管理员提供的访问令牌。令牌只保存在当前浏览器标签页中，关闭标签页后需重新输入。</p>
      <p id="token-error" class="notice error" role="alert" hidden>令牌无效，请重新输入。</p>
      <label for="token-input">访问令牌</label>
      <input id="token-input" name="token" type="password" autocomplete="current-password" spellcheck="false">
      <div class="actions">
        <button type="submit" class="primary">确定</button>
        <button type="button" class="cancel">取消</button>
      </div>
    </form>`;
  const form = dialog.querySelector("form");
  const input = form.elements.token;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!input.value.trim()) {
      input.focus();
      return;
    }
    dialog.close("ok");
  });
  dialog.querySelector(".cancel").addEventListener("click", () => dialog.close("cancel"));
  // Esc fires "cancel" and closes the dialog with an empty returnValue: nothing to add.
  document.body.append(dialog);
}

function showDialog(wrong) {
  if (!dialog) build();
  const input = dialog.querySelector("#token-input");
  const error = dialog.querySelector("#token-error");
  error.hidden = !wrong;
  input.value = "";
  if (wrong) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", "token-error");
  } else {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
  const before = document.activeElement;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      const token = dialog.returnValue === "ok" ? input.value.trim() : "";
      input.value = "";
      if (token) store(token);
      if (before?.isConnected) before.focus({ preventScroll: true });
      resolve(token);
    }, { once: true });
    try {
      dialog.showModal();
    } catch {
      resolve(""); // no modal dialogs here: the request fails with the server's message
      return;
    }
    input.focus();
  });
}

let pending = null;

/**
 * Ask for the token; requests that get 401 at the same time share one dialog. `wrong`
 * says the token just sent was refused. Resolves to the new token, or "" when the
 * official cancels.
 */
export function askToken(wrong) {
  if (!pending) pending = showDialog(wrong).finally(() => { pending = null; });
  return pending;
}
