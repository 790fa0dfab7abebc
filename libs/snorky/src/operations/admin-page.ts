/**
 * The admin page: one HTML document, no framework, no external resource. It polls `statsPath`
 * (same origin, so the browser resends the Basic credentials) and draws small SVG charts of the
 * nodes' last minutes. Everything from the server is written with textContent (never as HTML).
 */
export function adminPage(statsPath: string, intervalSeconds: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Snorky admin</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2733; }
  header { background: #1d2733; color: #fff; padding: 10px 20px; display: flex; gap: 24px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  .ok { color: #1a7f37; } .bad { color: #cf222e; } header .ok { color: #7ee2a8; } header .bad { color: #ff8b8b; }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }
  .tile { background: #fff; border-radius: 6px; padding: 10px 12px; box-shadow: 0 1px 2px #0001; }
  .tile .label { font-size: 12px; color: #57606a; } .tile .value { font-size: 24px; font-variant-numeric: tabular-nums; }
  .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 10px; }
  .chart { background: #fff; border-radius: 6px; padding: 8px 12px; box-shadow: 0 1px 2px #0001; }
  .chart h2, section h2 { font-size: 13px; margin: 0 0 4px; color: #57606a; font-weight: 600; }
  svg { width: 100%; height: 90px; display: block; }
  .tables { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 10px; }
  section { background: #fff; border-radius: 6px; padding: 8px 12px; box-shadow: 0 1px 2px #0001; overflow-x: auto; }
  section.wide { grid-column: span 2; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 3px 8px 3px 0; border-bottom: 1px solid #eaeef2; white-space: nowrap; }
  th { font-weight: 600; font-size: 12px; color: #57606a; } td.n, th.n { text-align: right; }
  .legend span { display: inline-block; margin-right: 10px; font-size: 12px; }
</style></head>
<body>
<header><h1>Snorky admin</h1>
  <span>nodes: <b id="node-count">–</b></span>
  <span>broker: <b id="broker-state">–</b></span>
  <span>this node: <b id="readiness">–</b></span>
  <span id="updated" style="margin-left:auto;font-size:12px;opacity:.7"></span></header>
<main>
  <div class="tiles">
    <div class="tile"><div class="label">connections</div><div class="value" id="connections">–</div><div class="label" id="connections-by-transport"></div></div>
    <div class="tile"><div class="label">subscriptions</div><div class="value" id="subscriptions">–</div></div>
    <div class="tile"><div class="label">frames in /s</div><div class="value" id="frames-in">–</div></div>
    <div class="tile"><div class="label">frames out /s</div><div class="value" id="frames-out">–</div></div>
    <div class="tile"><div class="label">publications /s</div><div class="value" id="publications">–</div></div>
    <div class="tile"><div class="label">deltas published /s</div><div class="value" id="deltas-published">–</div></div>
    <div class="tile"><div class="label">deltas delivered /s</div><div class="value" id="deltas-delivered">–</div></div>
    <div class="tile"><div class="label">stalled clients (total)</div><div class="value" id="stalled">–</div></div>
    <div class="tile"><div class="label">write queue</div><div class="value" id="write-queue">–</div></div>
  </div>
  <div class="legend" id="legend"></div>
  <div class="charts">
    <div class="chart"><h2>connections</h2><svg id="chart-connections" viewBox="0 0 300 90" preserveAspectRatio="none"></svg></div>
    <div class="chart"><h2>frames out /s</h2><svg id="chart-frames-out" viewBox="0 0 300 90" preserveAspectRatio="none"></svg></div>
    <div class="chart"><h2>frames in /s</h2><svg id="chart-frames-in" viewBox="0 0 300 90" preserveAspectRatio="none"></svg></div>
    <div class="chart"><h2>deltas delivered /s</h2><svg id="chart-deltas" viewBox="0 0 300 90" preserveAspectRatio="none"></svg></div>
  </div>
  <div class="tables">
    <section><h2>subscriptions by service</h2><table id="subscriptions-table"><thead><tr><th>service</th><th class="n">subscriptions</th></tr></thead><tbody></tbody></table></section>
    <section class="wide"><h2>RPC latency (last interval)</h2><table id="rpc-table"><thead><tr><th>registry</th><th>service</th><th>command</th><th class="n">/s</th><th class="n">p50 ms</th><th class="n">p99 ms</th></tr></thead><tbody></tbody></table></section>
    <section><h2>dropped frames by reason (total)</h2><table id="dropped-table"><thead><tr><th>reason</th><th class="n">frames</th></tr></thead><tbody></tbody></table></section>
    <section><h2>refused connections by reason (total)</h2><table id="refused-table"><thead><tr><th>reason</th><th class="n">connections</th></tr></thead><tbody></tbody></table></section>
  </div>
  <section><h2>nodes</h2><table id="nodes-table"><thead><tr><th>node</th><th>state</th><th>broker</th><th class="n">ws</th><th class="n">sockjs</th><th class="n">subs</th><th class="n">in /s</th><th class="n">out /s</th><th class="n">deltas /s</th><th class="n">queue</th><th class="n">stalled</th><th class="n">reconnects</th></tr></thead><tbody></tbody></table></section>
</main>
<script>
(() => {
  const STATS = ${JSON.stringify(statsPath)};
  const INTERVAL_MS = ${Math.round(intervalSeconds * 1000)};
  const COLORS = ['#0969da', '#bf3989', '#1a7f37', '#9a6700', '#8250df', '#cf222e'];
  const $ = (id) => document.getElementById(id);
  const fmt = (n) => n >= 100 || Number.isInteger(n) ? Math.round(n).toLocaleString('en') : n.toFixed(1);
  const bytes = (n) => n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KiB' : (n / 1048576).toFixed(1) + ' MiB';
  const sum = (xs, f) => xs.reduce((a, x) => a + f(x), 0);
  const set = (id, text, cls) => { const el = $(id); el.textContent = text; if (cls !== undefined) el.className = cls; };

  function rows(tableId, data) {
    const body = $(tableId).tBodies[0];
    const numeric = [...$(tableId).tHead.rows[0].cells].map((th) => th.className === 'n');
    body.replaceChildren(...data.map((cells) => {
      const tr = document.createElement('tr');
      for (const [i, c] of cells.entries()) {
        const td = document.createElement('td');
        td.textContent = c === undefined ? '–' : String(c);
        if (numeric[i]) td.className = 'n';
        tr.appendChild(td);
      }
      return tr;
    }));
  }

  function chart(id, nodes, value) {
    const svg = $(id);
    const now = Date.now();
    const span = 150 * INTERVAL_MS;
    let max = 1;
    for (const n of nodes) for (const r of n.reports) max = Math.max(max, value(r));
    const lines = nodes.map((n, i) => {
      const points = n.reports.map((r) => ((300 * (1 - (now - r.at) / span)).toFixed(1)) + ',' + (88 - 84 * value(r) / max).toFixed(1));
      const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
      line.setAttribute('points', points.join(' '));
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', COLORS[i % COLORS.length]);
      line.setAttribute('stroke-width', '1.5');
      line.setAttribute('vector-effect', 'non-scaling-stroke');
      return line;
    });
    const label = document.createElementNS('http://www.w3.org/2000/svg', 'text');
    label.setAttribute('x', '2'); label.setAttribute('y', '10'); label.setAttribute('font-size', '9'); label.setAttribute('fill', '#57606a');
    label.textContent = 'max ' + fmt(max);
    svg.replaceChildren(label, ...lines);
  }

  function render(stats) {
    const nodes = stats.nodes;
    const live = nodes.filter((n) => !n.stale);
    const latest = live.map((n) => n.reports[n.reports.length - 1]);
    const brokerUp = latest.every((r) => r.broker.up);
    set('node-count', String(live.length));
    set('broker-state', latest.some((r) => r.broker.clustered) ? (brokerUp ? 'up' : 'down') : 'in memory (single node)', brokerUp ? 'ok' : 'bad');
    set('readiness', stats.health.ready ? 'ready' : stats.health.draining ? 'draining' : 'not ready', stats.health.ready ? 'ok' : 'bad');
    set('updated', 'updated ' + new Date(stats.at).toLocaleTimeString());
    const ws = sum(latest, (r) => r.connections.websocket), sockjs = sum(latest, (r) => r.connections.sockjs);
    set('connections', fmt(ws + sockjs));
    set('connections-by-transport', 'websocket ' + fmt(ws) + ' · sockjs ' + fmt(sockjs));
    const byService = {};
    for (const r of latest) for (const [s, n] of Object.entries(r.subscriptions)) byService[s] = (byService[s] || 0) + n;
    set('subscriptions', fmt(Object.values(byService).reduce((a, b) => a + b, 0)));
    set('frames-in', fmt(sum(latest, (r) => r.rates.framesReceived)));
    set('frames-out', fmt(sum(latest, (r) => r.rates.framesSent)));
    set('publications', fmt(sum(latest, (r) => r.rates.publications)));
    set('deltas-published', fmt(sum(latest, (r) => r.rates.deltasPublished)));
    set('deltas-delivered', fmt(sum(latest, (r) => r.rates.deltasDelivered)));
    set('stalled', fmt(sum(latest, (r) => r.clientsStalled)));
    set('write-queue', bytes(sum(latest, (r) => r.writeQueueBytes)));
    rows('subscriptions-table', Object.entries(byService).sort().map(([s, n]) => [s, n]));
    rows('rpc-table', stats.rpc.map((c) => [c.registry, c.service, c.command, Number(c.perSecond.toFixed(1)),
      c.p50Ms === undefined ? undefined : Number(c.p50Ms.toFixed(2)), c.p99Ms === undefined ? undefined : Number(c.p99Ms.toFixed(2))]));
    const totals = (key) => { const t = {}; for (const r of latest) for (const [k, n] of Object.entries(r[key])) t[k] = (t[k] || 0) + n; return Object.entries(t); };
    rows('dropped-table', totals('dropped'));
    rows('refused-table', totals('refused'));
    rows('nodes-table', nodes.map((n) => { const r = n.reports[n.reports.length - 1]; return [n.node + (n.self ? ' (this)' : ''),
      n.stale ? 'gone' : r.draining ? 'draining' : 'up', r.broker.clustered ? (r.broker.up ? 'up' : 'down') : 'memory',
      r.connections.websocket, r.connections.sockjs, Object.values(r.subscriptions).reduce((a, b) => a + b, 0),
      Number(r.rates.framesReceived.toFixed(1)), Number(r.rates.framesSent.toFixed(1)), Number(r.rates.deltasDelivered.toFixed(1)),
      bytes(r.writeQueueBytes), r.clientsStalled, r.broker.reconnects]; }));
    $('legend').replaceChildren(...nodes.map((n, i) => { const s = document.createElement('span'); s.style.color = COLORS[i % COLORS.length]; s.textContent = '— ' + n.node; return s; }));
    chart('chart-connections', nodes, (r) => r.connections.websocket + r.connections.sockjs);
    chart('chart-frames-out', nodes, (r) => r.rates.framesSent);
    chart('chart-frames-in', nodes, (r) => r.rates.framesReceived);
    chart('chart-deltas', nodes, (r) => r.rates.deltasDelivered);
  }

  async function poll() {
    try {
      const res = await fetch(STATS, { cache: 'no-store' });
      if (res.ok) render(await res.json());
      else set('updated', 'stats: HTTP ' + res.status);
    } catch (err) {
      set('updated', 'stats unreachable: ' + err.message);
    }
    setTimeout(poll, INTERVAL_MS);
  }
  poll();
})();
</script>
</body></html>
`;
}
