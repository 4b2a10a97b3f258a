// A line chart as inline SVG: points [{t, v}] over time.

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export function lineChart(points, { title = '', width = 640, height = 180 } = {}) {
  const root = svg('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  root.append(svg('title', {}, title));
  const pad = { l: 56, r: 10, t: 18, b: 22 };
  root.append(svg('text', { x: pad.l, y: 12 }, title));
  if (points.length < 2) {
    root.append(svg('text', { x: width / 2 - 60, y: height / 2 }, 'collecting samples…'));
    return root;
  }
  const ts = points.map(p => p.t), vs = points.map(p => p.v);
  const t0 = Math.min(...ts), t1 = Math.max(...ts);
  const v0 = Math.min(0, ...vs), v1 = Math.max(1, ...vs);
  const x = t => pad.l + ((t - t0) / Math.max(1, t1 - t0)) * (width - pad.l - pad.r);
  const y = v => height - pad.b - ((v - v0) / Math.max(1e-9, v1 - v0)) * (height - pad.t - pad.b);
  root.append(svg('line', { x1: pad.l, y1: y(v0), x2: width - pad.r, y2: y(v0) }));
  root.append(svg('line', { x1: pad.l, y1: pad.t, x2: pad.l, y2: height - pad.b }));
  root.append(svg('text', { x: 4, y: y(v1) + 4 }, fmt(v1)));
  root.append(svg('text', { x: 4, y: y(v0) }, fmt(v0)));
  root.append(svg('text', { x: pad.l, y: height - 6 }, new Date(t0).toLocaleTimeString()));
  root.append(svg('text', { x: width - pad.r - 60, y: height - 6 }, new Date(t1).toLocaleTimeString()));
  root.append(svg('polyline', { points: points.map(p => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ') }));
  return root;
}

// Per-second rates from a counter's samples.
export function rates(points) {
  const out = [];
  for (let i = 1; i < points.length; i++) {
    const dt = (points[i].t - points[i - 1].t) / 1000;
    if (dt > 0) out.push({ t: points[i].t, v: Math.max(0, (points[i].v - points[i - 1].v) / dt) });
  }
  return out;
}

function fmt(v) {
  return Math.abs(v) >= 1000 ? v.toFixed(0) : String(Math.round(v * 100) / 100);
}
