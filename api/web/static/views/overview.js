// 概览: how much the knowledge base holds — documents, practices and pilots counted by
// pilot type, region and field, as bar lists.

import { bars } from "../charts.js";
import { VOCAB, cached, errorBox, esc, href, setTitle } from "../lib.js";

function count(items, key, vocabulary) {
  const counts = new Map(vocabulary.map((name) => [name, 0]));
  for (const item of items) {
    for (const value of [].concat(item[key] ?? [])) counts.set(value, (counts.get(value) || 0) + 1);
  }
  return [...counts].map(([label, value]) => ({ label, value }));
}

const linked = (rows, key) => rows.map((row) => ({ ...row, href: href("practices", "", { [key]: row.label }) }));

export function mount(main) {
  setTitle("概览");
  main.innerHTML = `<div class="view view-overview"><h1 tabindex="-1">概览</h1><p class="status" role="status">正在统计…</p></div>`;
  const root = main.firstElementChild;
  Promise.all([cached("/documents"), cached("/practices", { limit: 200 }), cached("/pilots")])
    .then(([documents, practices, pilots]) => {
      if (!root.isConnected) return;
      const practiceTotal = practices.length >= 200 ? "200+" : practices.length;
      const totals = [["试点", pilots.length], ["文档", documents.length], ["经验做法", practiceTotal]]
        .map(([label, value]) => `<div class="total"><span class="total-value">${value}</span><span class="total-label">${esc(label)}</span></div>`);
      root.innerHTML = `<h1 tabindex="-1">概览</h1>
        <div class="totals">${totals.join("")}</div>
        <section><h2>文档</h2><div class="bar-grid">
          ${bars("按试点类型", count(documents, "pilot_type", VOCAB.pilot_types))}
          ${bars("按地区", count(documents, "region", VOCAB.regions))}
          ${bars("按文档类型", count(documents, "doc_type", VOCAB.doc_types))}
          ${bars("按领域（一篇文档可属多个领域）", count(documents, "fields", VOCAB.fields))}
        </div></section>
        <section><h2>经验做法</h2><p class="muted">点击类别名称可查看该类经验做法。</p><div class="bar-grid">
          ${bars("按试点类型", linked(count(practices, "pilot_type", VOCAB.pilot_types), "pilot_type"))}
          ${bars("按地区", linked(count(practices, "region", VOCAB.regions), "region"))}
          ${bars("按领域（一条做法可属多个领域）", linked(count(practices, "fields", VOCAB.fields), "field"))}
        </div></section>
        <section><h2>试点</h2><div class="bar-grid">
          ${bars("按试点类型", count(pilots, "pilot_type", VOCAB.pilot_types))}
          ${bars("按地区", count(pilots, "region", VOCAB.regions))}
        </div></section>`;
    })
    .catch((error) => { if (root.isConnected) root.innerHTML = `<h1 tabindex="-1">概览</h1>${errorBox(error)}`; });
}
