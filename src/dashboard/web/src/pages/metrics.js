// Metrics: the charts of Heroku's Metrics tab from lokku's own store (GET /apps/A/metrics,
// the rows `lokku metrics --json` prints): response time percentiles, throughput by status
// class, memory, load and errors per process type, with deploys, restarts and crashes marked.
// 1 hour at 10-second steps, or 24 hours at 1-minute steps. Drawn by uPlot.
import uPlot from 'uplot';
import { useEffect, useRef, useState } from 'preact/hooks';
import { app as appPath, get } from '../api.js';
import { html } from '../html.js';
import { useData, useLiveReload } from '../hooks.js';
import { Empty, Problem } from '../widgets.js';

const ZOOMS = { '1h': { since: '1h', resolution: '10s' }, '24h': { since: '24h', resolution: '1m' } };
const COLOURS = ['#1f6feb', '#8250df', '#bf3989', '#cf222e', '#1a7f37', '#9a6700'];

/// The series of one chart from the report's rows: [times, ...one array per series].
export function columns(rows, pick) {
  const xs = rows.map((r) => Date.parse(r.time) / 1000);
  return [xs, ...pick.map((f) => rows.map((r) => { const v = f(r); return v === null || v === undefined ? null : v; }))];
}

function markersPlugin(events) {
  return {
    hooks: {
      draw: [
        (u) => {
          const { ctx } = u;
          ctx.save();
          for (const e of events) {
            const x = u.valToPos(Date.parse(e.time) / 1000, 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.strokeStyle = e.kind === 'crash' ? '#cf222e' : '#57606a';
            ctx.setLineDash([4, 4]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
          }
          ctx.restore();
        },
      ],
    },
  };
}

function Chart({ title, unit, names, data, events }) {
  const box = useRef(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const width = Math.max(280, Math.min(el.clientWidth || 600, 900));
    const plot = new uPlot(
      {
        width,
        height: 180,
        series: [{}, ...names.map((n, i) => ({ label: n, stroke: COLOURS[i % COLOURS.length], width: 2, spanGaps: false }))],
        axes: [{}, { label: unit, size: 60 }],
        plugins: [markersPlugin(events)],
        legend: { live: true },
      },
      data,
      el,
    );
    return () => plot.destroy();
  }, [data, events]);
  const latest = names.map((n, i) => {
    const values = data[i + 1].filter((v) => v !== null);
    return `${n} ${values.length ? Math.round(values[values.length - 1] * 10) / 10 : '–'}`;
  });
  return html`<figure class="chart">
    <figcaption><strong>${title}</strong> <span class="muted">(${unit}; latest: ${latest.join(', ')})</span></figcaption>
    <div ref=${box} role="img" aria-label=${`${title}: ${latest.join(', ')}`}></div>
  </figure>`;
}

function sumRequests(r) {
  return Object.values(r.requests ?? {}).reduce((a, b) => a + (b ?? 0), 0);
}

export function Metrics({ app, live }) {
  const [zoom, setZoom] = useState('1h');
  const [type, setType] = useState('web');
  const base = appPath(app.name);
  // The answer remembers its zoom: until the new one arrives, the last one stays on screen
  // and says what it is.
  const report = useData(async () => {
    const z = ZOOMS[zoom];
    return { zoom, ...(await get(`${base}/metrics?since=${z.since}&resolution=${z.resolution}`)) };
  }, [base, zoom]);
  useLiveReload(live, report.reload);
  useEffect(() => {
    // Ten-second steps close every 10 s: read again then (one request, not a storm).
    const t = setInterval(report.reload, zoom === '1h' ? 10000 : 60000);
    return () => clearInterval(t);
  }, [report.reload, zoom]);
  const r = report.data;
  const types = Object.keys(r?.types ?? {});
  const rows = r?.types?.[type] ?? [];
  const events = (r?.events ?? []).filter((e) => !e.type || e.type === type);
  const total = rows.reduce((a, row) => a + sumRequests(row), 0);
  const codes = [...new Set(rows.flatMap((row) => Object.keys(row.errors ?? {})))].sort();
  return html`
    <h2>Metrics</h2>
    <form class="filters" onSubmit=${(e) => e.preventDefault()} aria-label="Choose what the charts show">
      <fieldset><legend>Zoom</legend>
        ${Object.keys(ZOOMS).map((z) => html`<label key=${z}><input type="radio" name="zoom" value=${z} checked=${zoom === z} onChange=${() => setZoom(z)} /> ${z}</label>`)}
      </fieldset>
      <label>Process type <select value=${type} onChange=${(e) => setType(e.currentTarget.value)}>
        ${(types.length ? types : ['web']).map((t) => html`<option value=${t}>${t}</option>`)}
      </select></label>
    </form>
    <${Problem} error=${report.error} />
    ${r && rows.length === 0 && html`<${Empty}>No metrics for ${type} in the last ${r.zoom} yet.</${Empty}>`}
    ${rows.length > 0 && html`
      <p role="status" class="muted" data-requests=${total} data-zoom=${r.zoom}>${total} requests in the last ${r.zoom}. Dashed lines: deploys, config changes, restarts; red: crashes.</p>
      <${Chart} title="Response time" unit="ms" names=${['p50', 'p95', 'p99', 'max']}
        data=${columns(rows, [(x) => x.p50, (x) => x.p95, (x) => x.p99, (x) => x.max])} events=${events} />
      <${Chart} title="Throughput" unit="requests" names=${['2xx', '3xx', '4xx', '5xx']}
        data=${columns(rows, ['2xx', '3xx', '4xx', '5xx'].map((k) => (x) => x.requests?.[k] ?? 0))} events=${events} />
      <${Chart} title="Memory" unit="MB" names=${['RSS (mean)', 'RSS (max)', 'swap']}
        data=${columns(rows, [(x) => x.memory_rss_mb, (x) => x.memory_rss_max_mb, (x) => x.memory_swap_mb])} events=${events} />
      <${Chart} title="Dyno load" unit="load" names=${['mean', 'max']}
        data=${columns(rows, [(x) => x.load_mean, (x) => x.load_max])} events=${events} />
      ${codes.length > 0 && html`<${Chart} title="Errors" unit="count" names=${codes}
        data=${columns(rows, codes.map((c) => (x) => x.errors?.[c] ?? 0))} events=${events} />`}
    `}
  `;
}
