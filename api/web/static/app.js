// The page's router: every state lives in the hash (#/<view>/<id>?<params>) so that an
// official can send a link, and back/forward walk through what was looked at.

import * as ask from "./views/ask.js";
import * as compile from "./views/compile.js";
import * as documentView from "./views/document.js";
import * as overview from "./views/overview.js";
import * as pilots from "./views/pilots.js";
import * as practices from "./views/practices.js";
import * as search from "./views/search.js";
import * as upload from "./views/upload.js";

const VIEWS = {
  search: { mount: search.mount, tab: "search" },
  ask: { mount: ask.mount, tab: "ask" },
  practices: { mount: practices.mount, tab: "practices" },
  pilots: { mount: pilots.mountList, tab: "pilots" },
  pilot: { mount: pilots.mountPage, tab: "pilots" },
  doc: { mount: documentView.mount, tab: null },
  overview: { mount: overview.mount, tab: "overview" },
  compile: { mount: compile.mount, tab: "compile" },
  upload: { mount: upload.mount, tab: "upload" },
};

const main = document.getElementById("main");
let current = { name: null, id: null, controller: null };
let firstRender = true;

function safeDecode(part) {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const cut = raw.indexOf("?");
  const path = cut < 0 ? raw : raw.slice(0, cut);
  const [name, ...rest] = path.split("/");
  return {
    name: VIEWS[name] ? name : "search",
    id: rest.map(safeDecode).join("/"),
    params: new URLSearchParams(cut < 0 ? "" : raw.slice(cut + 1)),
  };
}

function markTab(tab) {
  for (const link of document.querySelectorAll(".main-nav a")) {
    if (link.dataset.view === tab) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function route() {
  const next = parseHash();
  const view = VIEWS[next.name];
  markTab(view.tab);
  if (current.controller?.update && current.name === next.name && current.id === next.id) {
    current.controller.update(next);
    return;
  }
  current.controller?.unmount?.();
  window.scrollTo(0, 0);
  const controller = view.mount(main, next) || {};
  current = { name: next.name, id: next.id, controller };
  if (!firstRender && !controller.ownsFocus) main.querySelector("h1")?.focus({ preventScroll: true });
  firstRender = false;
}

// The skip link must not touch the hash: the hash holds the page state.
document.getElementById("skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener("hashchange", route);
if (!location.hash) history.replaceState(null, "", "#/search");
route();
