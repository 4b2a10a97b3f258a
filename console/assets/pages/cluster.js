import { el, get, table } from '../dom.js';

export async function render(view) {
  const data = await get('/api/cluster');
  const pct = r => (r.diskRatio >= 0 ? `${(r.diskRatio * 100).toFixed(1)} %` : '-');
  view.append(
    el('h1', {}, 'Cluster'),
    el('p', { class: 'muted' }, `NameServer ${data.namesrv.join(';')}`),
    table([
      ['Cluster', r => r.cluster],
      ['Broker', r => r.brokerName],
      ['Id', r => r.brokerId, 'num'],
      ['Role', r => r.role],
      ['Address', r => r.addr],
      ['Version', r => r.version],
      ['In TPS', r => r.inTps.toFixed(2), 'num'],
      ['Out TPS', r => r.outTps.toFixed(2), 'num'],
      ['Disk used', pct, 'num'],
      ['Slaves', r => r.haConnectionCount || '-', 'num'],
      ['Slave lag (bytes)', r => r.slaveFallBehindBytes || '-', 'num'],
      ['Error', r => r.error || ''],
    ], data.brokers));
}
