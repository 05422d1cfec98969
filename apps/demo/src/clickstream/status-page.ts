/**
 * The status page: one self-contained HTML document (no CDN, no external script) that polls
 * `/api/status` every second and draws the input rate and delays as inline SVG, like Spark's
 * Streaming tab.
 */
export function statusPageHtml(appName: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(appName)} — dstream streaming</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f3a5f;color:#fff;padding:10px 20px}header h1{margin:0;font-size:20px}
main{padding:10px 20px}section{background:#fff;border:1px solid #ddd;border-radius:4px;margin:10px 0;padding:10px 14px}
h2{font-size:16px;margin:4px 0 8px}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left}
th{background:#f3f3f3}.num{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#1a7f37}.bad{color:#b42318}
.charts{display:flex;gap:16px;flex-wrap:wrap}.chart{flex:1;min-width:380px}svg{background:#fcfcff;border:1px solid #e3e3f0}
.summary span{margin-right:24px}
</style></head><body>
<header><h1>dstream · Streaming — <span id="app">${escapeHtml(appName)}</span></h1></header>
<main>
<section class="summary"><span id="started">starting…</span><span id="interval"></span><span id="completed"></span><span id="records"></span></section>
<section><h2>Input rate and delays</h2><div class="charts">
<div class="chart"><div>Input rate (records/s), per batch</div><svg id="input-rate-chart" data-points="0" width="480" height="160" viewBox="0 0 480 160"></svg></div>
<div class="chart"><div>Scheduling delay <span style="color:#d97706">■</span> and processing time <span style="color:#2563eb">■</span> (ms)</div><svg id="delay-chart" data-points="0" width="480" height="160" viewBox="0 0 480 160"></svg></div>
</div></section>
<section><h2>Outputs and their end-to-end guarantees</h2><table id="outputs"><thead><tr><th>output</th><th>guarantee</th><th>why</th></tr></thead><tbody></tbody></table></section>
<section><h2>Input streams and receivers</h2><div id="inputs"></div><table id="receivers"><thead><tr><th>receiver</th><th>state</th><th>last message</th></tr></thead><tbody></tbody></table></section>
<section><h2>Batches (newest first)</h2><table id="batches"><thead><tr><th>batch time</th><th class="num">records</th><th class="num">input rate</th><th class="num">scheduling delay</th><th class="num">processing time</th><th class="num">total delay</th><th>status</th></tr></thead><tbody></tbody></table></section>
<section><h2>Last errors</h2><table id="errors"><thead><tr><th>time</th><th>where</th><th>message</th></tr></thead><tbody></tbody></table></section>
</main>
<script>
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const clock = (t) => new Date(t).toISOString().slice(11, 19);
const ms = (v) => (v === undefined || v === null ? '–' : v + ' ms');
function chart(svg, series, colors) {
  const w = 480, h = 160, pad = 30;
  const n = Math.max(0, ...series.map((s) => s.length));
  const max = Math.max(1, ...series.flat());
  const x = (i) => pad + (n <= 1 ? 0 : (i * (w - pad - 8)) / (n - 1));
  const y = (v) => h - 20 - (v / max) * (h - 36);
  let out = '<line x1="' + pad + '" y1="' + (h - 20) + '" x2="' + (w - 4) + '" y2="' + (h - 20) + '" stroke="#999"/>';
  out += '<text x="2" y="14" font-size="10" fill="#555">' + Math.round(max) + '</text><text x="2" y="' + (h - 22) + '" font-size="10" fill="#555">0</text>';
  series.forEach((s, k) => {
    const pts = s.map((v, i) => x(i).toFixed(1) + ',' + y(v).toFixed(1)).join(' ');
    out += '<polyline fill="none" stroke-width="2" stroke="' + colors[k] + '" points="' + pts + '"/>';
    s.forEach((v, i) => { out += '<circle r="2" fill="' + colors[k] + '" cx="' + x(i).toFixed(1) + '" cy="' + y(v).toFixed(1) + '"/>'; });
  });
  svg.innerHTML = out;
  svg.setAttribute('data-points', String(n));
}
async function refresh() {
  let s;
  try { s = await (await fetch('/api/status')).json(); } catch { return; }
  $('started').textContent = s.startedAt ? 'started ' + new Date(s.startedAt).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : 'not started';
  $('interval').textContent = 'batch interval ' + s.batchInterval + ' ms';
  $('completed').textContent = s.completedBatches + ' completed batches';
  $('records').textContent = s.totalRecords + ' records';
  const done = s.batches.filter((b) => b.status === 'completed' || b.status === 'failed');
  chart($('input-rate-chart'), [done.map((b) => b.inputRate)], ['#16a34a']);
  chart($('delay-chart'), [done.map((b) => b.schedulingDelay ?? 0), done.map((b) => b.processingDelay ?? 0)], ['#d97706', '#2563eb']);
  $('outputs').tBodies[0].innerHTML = s.outputs.map((o) => '<tr><td>' + esc(o.output) + '</td><td class="' + (o.guarantee === 'exactly-once' ? 'ok' : 'bad') + '">' + esc(o.guarantee) + '</td><td>' + o.reasons.map(esc).join('<br>') + '</td></tr>').join('');
  $('inputs').innerHTML = s.inputs.map((i) => '<div>' + esc(i) + '</div>').join('');
  $('receivers').tBodies[0].innerHTML = s.receivers.length === 0 ? '<tr><td colspan="3">no receivers: direct streams pull their batches (no receiver to fail)</td></tr>' : s.receivers.map((r) => '<tr><td>' + esc(r.name) + '</td><td>' + esc(r.state) + '</td><td>' + esc(r.lastMessage) + '</td></tr>').join('');
  $('batches').tBodies[0].innerHTML = s.batches.slice(-20).reverse().map((b) => '<tr><td>' + clock(b.batchTime) + '</td><td class="num">' + b.records + '</td><td class="num">' + b.inputRate.toFixed(1) + '/s</td><td class="num">' + ms(b.schedulingDelay) + '</td><td class="num">' + ms(b.processingDelay) + '</td><td class="num">' + ms(b.totalDelay) + '</td><td class="' + (b.status === 'failed' ? 'bad' : '') + '">' + b.status + '</td></tr>').join('');
  $('errors').tBodies[0].innerHTML = s.errors.length === 0 ? '<tr><td colspan="3">none</td></tr>' : s.errors.map((e) => '<tr><td>' + clock(e.time) + '</td><td>' + esc(e.where) + '</td><td class="bad">' + esc(e.message) + '</td></tr>').join('');
}
refresh();
setInterval(refresh, 1000);
</script></body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
