import { el, get, post, table, input, formValues, errorBox, okBox, fmtTime } from '../dom.js';

const toLocalInput = ms => new Date(ms - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);

export async function render(view, params, meta) {
  const now = Date.now();
  const results = el('div', { id: 'results' });
  const form = el('form', { id: 'search-form' },
    input('topic', 'Topic', params.topic || '', { required: true }),
    el('label', {}, 'By', el('select', { name: 'by' },
      [['time', 'time range'], ['key', 'key'], ['id', 'message id']].map(([v, t]) => el('option', { value: v, selected: (params.by || 'time') === v }, t)))),
    input('value', 'Key or id', params.value || ''),
    input('begin', 'From', toLocalInput(now - 3600e3), { type: 'datetime-local' }),
    input('end', 'To', toLocalInput(now + 60e3), { type: 'datetime-local' }),
    el('button', { type: 'submit' }, 'Search'));
  const search = async () => {
    const v = formValues(form);
    const q = { topic: v.topic };
    if (v.by === 'key') q.key = v.value;
    else if (v.by === 'id') q.id = v.value;
    else { q.begin = new Date(v.begin).getTime(); q.end = new Date(v.end).getTime(); }
    results.replaceChildren(el('p', { class: 'muted' }, 'Searching…'));
    try {
      const r = await get('/api/messages', q);
      results.replaceChildren(messageList(r, meta));
    } catch (e) { results.replaceChildren(errorBox(e)); }
  };
  form.addEventListener('submit', ev => { ev.preventDefault(); search(); });
  view.append(el('h1', {}, 'Messages'), form, results);
  if (params.topic && params.value) search();
}

// A list of messages with a detail pane; `extra(m)` adds actions to the detail.
export function messageList(r, meta, extra) {
  const detail = el('div', { id: 'message-detail' });
  const list = table([
    ['Message id', m => m.msgId],
    ['Tags', m => m.tags || ''],
    ['Keys', m => m.keys || ''],
    ['Queue', m => `${m.brokerName}/${m.queueId}@${m.queueOffset}`],
    ['Stored', m => fmtTime(m.storeTimestamp)],
    ['Size', m => m.bodySize, 'num'],
  ], r.messages, m => detail.replaceChildren(messageDetail(m, meta, extra)));
  return el('div', {},
    el('p', { class: 'muted' }, `${r.messages.length} message(s)${r.truncated ? ' (more not shown)' : ''}`),
    list, detail);
}

function bytesOf(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

function hexDump(bytes) {
  const lines = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = [...bytes.slice(i, i + 16)];
    const hex = row.map(b => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = row.map(b => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${i.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

export function bodyViews(m) {
  const bytes = bytesOf(m.bodyHex);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  let json = null;
  try { json = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON */ }
  return { text, json, hex: hexDump(bytes) };
}

export function messageDetail(m, meta, extra) {
  const views = bodyViews(m);
  const body = el('pre', { class: 'body', id: 'message-body' });
  const show = kind => { body.textContent = views[kind] ?? '(not JSON)'; };
  show(views.json ? 'json' : 'text');
  const tabs = el('div', { class: 'tabs' },
    ['text', 'json', 'hex'].map(k => el('button', { type: 'button', class: 'plain', 'data-view': k, onclick: () => show(k) }, k.toUpperCase())));
  const props = Object.entries(m.properties).map(([k, v]) => ({ k, v }));
  const parts = [
    el('h2', {}, `Message ${m.msgId}`),
    table([['Field', r => r[0]], ['Value', r => String(r[1])]], [
      ['Topic', m.topic], ['Offset message id', m.offsetMsgId], ['Queue', `${m.brokerName}/${m.queueId}`],
      ['Queue offset', m.queueOffset], ['Born', `${fmtTime(m.bornTimestamp)} at ${m.bornHost}`],
      ['Stored', `${fmtTime(m.storeTimestamp)} at ${m.storeHost}`], ['Reconsume times', m.reconsumeTimes],
      ['Body size', `${m.bodySize} bytes${m.bodyTruncated ? ' (shown cut)' : ''}`],
    ]),
    el('h2', {}, 'Body'), tabs, body,
    el('h2', {}, 'Properties'),
    table([['Name', r => r.k], ['Value', r => r.v]], props),
  ];
  if (!meta.readOnly && extra) parts.push(extra(m));
  else if (!meta.readOnly) parts.push(resendForm(m));
  return el('div', {}, parts);
}

function resendForm(m) {
  const msg = el('div');
  const form = el('form', { id: 'resend-form' },
    el('strong', {}, 'Resend to a consumer group'),
    input('group', 'Group', '', { required: true }),
    el('button', { type: 'submit' }, 'Resend'), msg);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    try {
      const r = await post('/api/messages/resend', { topic: m.topic, msgId: m.offsetMsgId, group: formValues(form).group });
      msg.replaceChildren(okBox(`${r.status}: sent as ${r.msgId} to ${r.topic}`));
    } catch (e) { msg.replaceChildren(errorBox(e)); }
  });
  return form;
}
