import { el, get, input, formValues, errorBox, fmtTime } from '../dom.js';
import { bodyViews } from './messages.js';

export async function render(view, params, meta) {
  const results = el('div', { id: 'results' });
  const form = el('form', { id: 'trace-form' },
    input('id', 'Message id', params.id || '', { required: true, size: 36 }),
    input('traceTopic', 'Trace topic', meta.traceTopic || 'RMQ_SYS_TRACE_TOPIC'),
    el('button', { type: 'submit' }, 'Show trace'));
  const load = async () => {
    try {
      const d = await get('/api/trace', formValues(form));
      results.replaceChildren(timeline(d));
    } catch (e) { results.replaceChildren(errorBox(e)); }
  };
  form.addEventListener('submit', ev => { ev.preventDefault(); load(); });
  view.append(el('h1', {}, 'Message trace'), form, results);
  if (params.id) load();
}

function timeline(d) {
  if (!d.records.length) return el('p', { class: 'muted' }, `No trace record of ${d.msgId} in ${d.traceTopic}`);
  const events = d.events && d.events.length ? d.events : null;
  if (events) {
    return el('ol', { class: 'timeline' }, events.map(e => el('li', {},
      el('strong', {}, e.type), ` ${fmtTime(e.timestamp)} · ${e.groupName} · ${e.clientHost} · ${e.costTime} ms · ${e.success ? 'success' : 'failed'}`,
      el('div', { class: 'muted' }, `topic ${e.topic} · tags ${e.tags || '-'} · keys ${e.keys || '-'} · store ${e.storeHost || '-'}`))));
  }
  return el('ol', { class: 'timeline' }, d.records.map(r => el('li', {},
    el('strong', {}, fmtTime(r.storeTimestamp)), el('pre', { class: 'body' }, bodyViews(r).text))));
}
