import { el, get, post, table, input, formValues, errorBox, okBox, link, fmtTime } from '../dom.js';
import { lineChart, rates } from '../chart.js';

export async function render(view, params, meta) {
  const [data, cluster] = await Promise.all([get('/api/topics'), get('/api/cluster')]);
  const clusters = [...new Set(cluster.brokers.map(b => b.cluster))];
  const showAll = params.all === '1';
  const rows = data.topics.filter(t => showAll || t.kind === 'NORMAL');
  view.append(el('h1', {}, 'Topics'));
  if (!meta.readOnly) view.append(topicForm(clusters, {}, 'Create topic', t => { location.hash = `#/topic?topic=${encodeURIComponent(t)}`; }));
  view.append(
    el('p', {}, link(showAll ? 'Only normal topics' : 'Show retry, DLQ and system topics too', 'topics', showAll ? {} : { all: '1' })),
    table([
      ['Topic', r => link(r.topic, 'topic', { topic: r.topic })],
      ['Kind', r => r.kind],
    ], rows));
}

// Create or update: queues and permission (`updateTopic`).
function topicForm(clusters, cur, title, done) {
  const msg = el('div');
  const form = el('form', { id: 'topic-form' },
    el('strong', {}, title),
    input('topic', 'Topic', cur.topic || '', cur.topic ? { readonly: true } : { required: true }),
    el('label', {}, 'Cluster', el('select', { name: 'cluster' }, clusters.map(c => el('option', { value: c }, c)))),
    input('writeQueueNums', 'Write queues', cur.write ?? 8, { type: 'number', min: 1, max: 1024 }),
    input('readQueueNums', 'Read queues', cur.read ?? 8, { type: 'number', min: 1, max: 1024 }),
    el('label', {}, 'Permission', el('select', { name: 'perm' },
      [['6', 'RW'], ['4', 'R'], ['2', 'W']].map(([v, t]) => el('option', { value: v, selected: String(cur.perm ?? 6) === v }, t)))),
    el('button', { type: 'submit' }, cur.topic ? 'Update' : 'Create'),
    msg);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const v = formValues(form);
    try {
      await post('/api/topic', { topic: v.topic, cluster: v.cluster, writeQueueNums: v.writeQueueNums, readQueueNums: v.readQueueNums, perm: v.perm });
      msg.replaceChildren(okBox(`Topic ${v.topic} saved`));
      done(v.topic);
    } catch (e) { msg.replaceChildren(errorBox(e)); }
  });
  return form;
}

export async function renderOne(view, params, meta) {
  const topic = params.topic;
  const d = await get('/api/topic', { topic });
  const total = d.queues.reduce((s, q) => s + (q.maxOffset - q.minOffset), 0);
  const qd = (d.route.queueDatas || [])[0] || {};
  view.append(
    el('h1', {}, `Topic ${topic}`),
    el('p', { class: 'muted' }, `${d.queues.length} queues, ${total} messages stored · clusters ${d.clusters.join(', ')}`),
    lineChart(rates(d.series), { title: 'Messages per second (sampled by the console)' }),
    el('h2', {}, 'Queues'),
    table([
      ['Broker', r => r.queue.brokerName],
      ['Queue', r => r.queue.queueId, 'num'],
      ['Min offset', r => r.minOffset, 'num'],
      ['Max offset', r => r.maxOffset, 'num'],
      ['Last update', r => fmtTime(r.lastUpdateTimestamp)],
    ], d.queues),
    el('h2', {}, 'Consumer groups'),
    d.groups.length ? el('ul', {}, d.groups.map(g => el('li', {}, link(g, 'group', { group: g })))) : el('p', { class: 'muted' }, 'none online'),
    el('p', {}, link('Search its messages', 'messages', { topic })));
  if (meta.readOnly) return;
  view.append(el('h2', {}, 'Update'),
    topicForm(d.clusters, { topic, write: qd.writeQueueNums, read: qd.readQueueNums, perm: qd.perm }, 'Queues and permission', () => {}));
  view.append(sendForm(topic));
  const delMsg = el('div');
  view.append(el('div', { class: 'panel' },
    el('button', { class: 'danger', id: 'delete-topic', onclick: async () => {
      if (!confirm(`Delete topic ${topic}?`)) return;
      try {
        for (const c of d.clusters) await post('/api/topic/delete', { topic, cluster: c });
        location.hash = '#/topics';
      } catch (e) { delMsg.replaceChildren(errorBox(e)); }
    } }, `Delete ${topic}`), delMsg));
}

function sendForm(topic) {
  const msg = el('div');
  const form = el('form', { id: 'send-form' },
    el('strong', {}, 'Send a message'),
    input('tags', 'Tags'), input('keys', 'Keys'),
    el('label', {}, 'Body', el('textarea', { name: 'body', rows: 2, cols: 40 })),
    el('button', { type: 'submit' }, 'Send'), msg);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const v = formValues(form);
    try {
      const r = await post('/api/messages/send', { topic, ...v });
      msg.replaceChildren(okBox(`${r.status}: ${r.msgId} → ${r.brokerName} queue ${r.queueId} offset ${r.queueOffset}`));
    } catch (e) { msg.replaceChildren(errorBox(e)); }
  });
  return form;
}
