import { el, get, input, formValues, errorBox, fmtTime } from '../dom.js';

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

const TYPES = { Pub: 'Sent', SubBefore: 'Delivered to the listener', SubAfter: 'Consumed', EndTransaction: 'Transaction ended' };

function timeline(d) {
  if (!d.events.length) return el('p', { class: 'muted' }, `No trace record of ${d.msgId} in ${d.traceTopic}`);
  return el('ol', { class: 'timeline', id: 'trace-timeline' }, d.events.map(e => {
    const b = e.beans[0] || {};
    const detail = e.traceType === 'Pub'
      ? `topic ${b.topic} · tags ${b.tags} · keys ${b.keys} · ${b.bodyLength} bytes · stored at ${b.storeHost} as ${b.offsetMsgId}`
      : e.traceType === 'EndTransaction'
        ? `topic ${b.topic} · ${b.transactionState}${b.fromTransactionCheck ? ' (from a check)' : ''}`
        : `request ${e.requestId}${e.traceType === 'SubBefore' ? ` · reconsume times ${b.retryTimes}` : ''}`;
    return el('li', { 'data-type': e.traceType },
      el('strong', {}, `${e.traceType} `), el('span', { class: 'muted' }, TYPES[e.traceType] || ''),
      el('div', {}, `${fmtTime(e.timeStamp)} · group ${e.groupName} · client ${e.clientHost} · ${e.costTime} ms · ${e.success ? 'success' : 'failed'}`),
      el('div', { class: 'muted' }, detail));
  }));
}
