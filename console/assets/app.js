// The console's router: `#/page?params` to a page module's render(view, params, meta).
import { el, get, errorBox } from './dom.js';
import * as cluster from './pages/cluster.js';
import * as topics from './pages/topics.js';
import * as groups from './pages/groups.js';
import * as producers from './pages/producers.js';
import * as messages from './pages/messages.js';
import * as dlq from './pages/dlq.js';
import * as traces from './pages/traces.js';

const pages = {
  cluster: cluster.render, topics: topics.render, topic: topics.renderOne,
  groups: groups.render, group: groups.renderOne, producers: producers.render,
  messages: messages.render, dlq: dlq.render, traces: traces.render,
};
const navOf = { topic: 'topics', group: 'groups' };
let meta = { readOnly: false, traceTopic: 'RMQ_SYS_TRACE_TOPIC' };

async function route() {
  const hash = location.hash.replace(/^#\/?/, '') || 'cluster';
  const [name, qs] = hash.split('?');
  const params = Object.fromEntries(new URLSearchParams(qs || ''));
  const page = pages[name] || cluster.render;
  const view = document.getElementById('view');
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.getAttribute('href') === `#/${navOf[name] || name}`);
  }
  view.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
  try {
    const content = el('div', { 'data-page': name });
    await page(content, params, meta);
    view.replaceChildren(content);
  } catch (e) {
    view.replaceChildren(errorBox(e));
  }
}

async function start() {
  try {
    meta = await get('/api/meta');
    document.getElementById('cluster-addr').textContent = `NameServer ${meta.namesrvAddr}${meta.readOnly ? ' · read-only' : ''}`;
  } catch (e) { /* the pages show their own errors */ }
  window.addEventListener('hashchange', route);
  route();
}

export function refresh() { route(); }

start();
