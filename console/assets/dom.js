// DOM helpers. Text always goes in as text nodes (append of a string, textContent):
// nothing from the cluster is ever parsed as markup.

export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'value') e.value = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

// A link inside the console: `#/page?name=value`, values encoded.
export function link(text, page, params = {}) {
  const q = new URLSearchParams(params).toString();
  return el('a', { href: `#/${page}${q ? '?' + q : ''}` }, text);
}

async function call(path, init) {
  const r = await fetch(path, init);
  let data;
  try { data = await r.json(); } catch { data = { error: `HTTP ${r.status}` }; }
  if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
  return data;
}

export function get(path, params = {}) {
  const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== '' && v != null));
  const q = new URLSearchParams(clean).toString();
  return call(q ? `${path}?${q}` : path);
}

export function post(path, body) {
  return call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

export function errorBox(e) {
  return el('div', { class: 'error', role: 'alert' }, String(e && e.message ? e.message : e));
}

export function okBox(text) {
  return el('div', { class: 'ok', role: 'status' }, text);
}

// A table: columns are [title, row => cell (string, number or Node), 'num'?].
export function table(columns, rows, onClick) {
  return el('table', {},
    el('thead', {}, el('tr', {}, columns.map(([t]) => el('th', {}, t)))),
    el('tbody', {}, rows.map(r => el('tr', onClick ? { class: 'clickable', onclick: () => onClick(r) } : {},
      columns.map(([, f, cls]) => el('td', cls ? { class: cls } : {}, f(r)))))));
}

export function input(name, label, value = '', attrs = {}) {
  return el('label', {}, label, el('input', { name, value, ...attrs }));
}

export function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

export const fmtTime = ms => (ms > 0 ? new Date(ms).toISOString().replace('T', ' ').replace('Z', '') : '-');
