import { el, get, post, table, input, formValues, errorBox, okBox, link, fmtTime } from '../dom.js';
import { lineChart } from '../chart.js';

export async function render(view, params, meta) {
  const [d, cluster] = await Promise.all([get('/api/groups'), get('/api/cluster')]);
  view.append(el('h1', {}, 'Consumer groups'));
  if (!meta.readOnly) view.append(groupForm([...new Set(cluster.brokers.map(b => b.cluster))]));
  view.append(
    table([
      ['Group', r => link(r.group, 'group', { group: r.group })],
      ['Members', r => r.count, 'num'],
      ['Version', r => r.version],
      ['Type', r => r.consumeType],
      ['Model', r => r.messageModel],
      ['TPS', r => r.consumeTps.toFixed(2), 'num'],
      ['Lag', r => r.diffTotal, 'num'],
    ], d.groups));
}

// `updateSubGroup` (and the group's retry topic).
function groupForm(clusters) {
  const msg = el('div');
  const form = el('form', { id: 'group-form' },
    el('strong', {}, 'Create consumer group'),
    input('group', 'Group', '', { required: true }),
    el('label', {}, 'Cluster', el('select', { name: 'cluster' }, clusters.map(c => el('option', { value: c }, c)))),
    el('button', { type: 'submit' }, 'Create'), msg);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const v = formValues(form);
    try {
      await post('/api/group', v);
      location.hash = `#/group?group=${encodeURIComponent(v.group)}`;
    } catch (e) { msg.replaceChildren(errorBox(e)); }
  });
  return form;
}

export async function renderOne(view, params, meta) {
  const group = params.group;
  const d = await get('/api/group', { group });
  view.append(el('h1', {}, `Consumer group ${group}`));
  const p = d.progress;
  if (p.error) {
    view.append(el('p', { class: 'muted', id: 'progress-error' }, p.error));
  } else {
    view.append(
      el('p', {}, 'Total lag ', el('strong', { id: 'lag-total' }, String(p.diffTotal)),
        ` · ${p.consumeTps.toFixed(2)} msg/s · `, link('dead letters', 'dlq', { group })),
      lineChart(d.series, { title: 'Lag over the last hour (sampled by the console)' }));
  }
  const members = d.members.connectionSet || [];
  view.append(el('h2', {}, 'Members'),
    d.members.error ? el('p', { class: 'muted' }, d.members.error) : table([
      ['Client id', r => r.clientId], ['Address', r => r.clientAddr], ['Language', r => r.language], ['Version', r => r.version, 'num'],
    ], members));
  const queues = p.queues || [];
  if (queues.length) {
    view.append(el('h2', {}, 'Lag per queue'),
      table([
        ['Topic', r => r.queue.topic], ['Broker', r => r.queue.brokerName], ['Queue', r => r.queue.queueId, 'num'],
        ['Broker offset', r => r.brokerOffset, 'num'], ['Consumer offset', r => r.consumerOffset, 'num'],
        ['Lag', r => r.diff, 'num'], ['Client', r => r.clientIp || ''], ['Last consumed', r => fmtTime(r.lastTimestamp)],
      ], queues));
  }
  if (meta.readOnly) return;
  const msg = el('div');
  const form = el('form', { id: 'reset-form' },
    el('strong', {}, 'Reset offset by time'),
    input('topic', 'Topic', queues.map(q => q.queue.topic).find(t => !t.startsWith('%RETRY%')) || '', { required: true }),
    input('time', 'To the first message stored at', '', { type: 'datetime-local', required: true }),
    el('button', { type: 'submit' }, 'Reset'), msg);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const v = formValues(form);
    try {
      const r = await post('/api/group/reset', { group, topic: v.topic, timestamp: new Date(v.time).getTime(), force: true });
      msg.replaceChildren(okBox(`Reset ${r.entries.length} queue(s) of ${v.topic}`));
    } catch (e) { msg.replaceChildren(errorBox(e)); }
  });
  view.append(form);
}
