// Renders the scale benchmark's figures: markdown tables (spliced into docs/scale.md between the
// result markers) and an SVG plot of cost against node count (no plotting dependency). Pure.
import type { ProbeResult } from './fixtures';

/** API traffic over one measurement window, per second unless named otherwise. */
export interface Window {
  seconds: number;
  reads: number;
  writes: number;
  watches: number;
  events: number;
  /** Watch events per open watch per second (what one agent's informers receive, both resources). */
  eventsPerWatcher: number;
  /** API server CPU, % of one core. */
  serverCpuPct: number;
  writesPerNodePer30s: number;
}

/** Everything measured at one mesh size. */
export interface ScaleRow {
  nodes: number;
  steady: Window;
  churn: Window;
  /** Status writes of one real agent per 30 s at steady state (mean of the sample). */
  realAgentWritesPer30s: number;
  joins: number;
  /** WireKubePeer created → its key in the WireGuard config of every real agent. */
  joinToAgentsMs: { p50: number; max: number };
  /** WireKubePeer created → its ADDED event on every simulated node's watch. */
  joinToWatchesMs: { p50: number; max: number };
  probe: ProbeResult;
  simErrors: number;
  loadAvg: number;
}

/** How the run was made, printed above the tables. */
export interface RunMeta {
  command: string;
  node: string;
  cores: number;
  loadBefore: number;
  steadySeconds: number;
  churnSeconds: number;
  sample: number;
  date: string;
}

/** The targets of DESIGN §11 / issue 12, checked at 1000 nodes. */
export const TARGETS = { writesPerNodePer30s: 1, reconcileCpuMs: 50, rssMb: 120, joinMs: 5000 };

const f = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const ms = (x: number) => (Number.isFinite(x) ? (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`) : 'not seen');

/** The result tables with the run's metadata and the targets checked. */
export function renderMarkdown(rows: readonly ScaleRow[], meta: RunMeta): string {
  const out: string[] = [];
  out.push(`Run \`${meta.command}\` on ${meta.date.slice(0, 16)}Z: Node ${meta.node}, ${meta.cores} cores, load average ${f(meta.loadBefore, 1)} before the run; ${meta.steadySeconds} s steady window, ${meta.churnSeconds} s churn window (one join or one leave every 100 ms); ${meta.sample} real agents per size plus one probe agent.`, '');
  out.push('**API traffic** (requests and watch events per second at the API server; events/watcher is what one agent receives)', '');
  out.push('| nodes | steady req/s (read / write / watch) | steady events/s (per watcher) | steady writes per node per 30 s | one real agent\'s writes per 30 s | churn req/s (read / write / watch) | churn events/s (per watcher) | API CPU steady / churn | load |');
  out.push('|---:|---|---|---:|---:|---|---|---|---:|');
  for (const r of rows) {
    const req = (w: Window) => `${f(w.reads + w.writes + w.watches, 1)} (${f(w.reads, 1)} / ${f(w.writes, 1)} / ${f(w.watches, 1)})`;
    out.push(`| ${r.nodes} | ${req(r.steady)} | ${f(r.steady.events, 1)} (${f(r.steady.eventsPerWatcher, 3)}) | ${f(r.steady.writesPerNodePer30s, 3)} | ${f(r.realAgentWritesPer30s, 2)} | ${req(r.churn)} | ${f(r.churn.events, 0)} (${f(r.churn.eventsPerWatcher, 2)}) | ${f(r.steady.serverCpuPct, 1)} % / ${f(r.churn.serverCpuPct, 1)} % | ${f(r.loadAvg, 1)} |`);
  }
  out.push('', '**Agent cost and join latency** (real agent code; RSS and reconcile CPU from one agent alone in its process)', '');
  out.push('| nodes | full reconcile CPU (wall) | one peer changed → in the device, CPU (wall) | start: lists + first plan + every peer added, CPU | agent RSS (heap used) | join → in every real agent\'s WireGuard, p50 / max | join → ADDED on every node\'s watch, p50 / max | joins |');
  out.push('|---:|---|---|---|---|---|---|---:|');
  for (const r of rows) {
    const p = r.probe;
    out.push(`| ${r.nodes} | ${f(p.reconcileCpuMs, 1)} ms (${f(p.reconcileWallMs, 1)} ms) | ${f(p.changeCpuMs, 1)} ms (${f(p.changeWallMs, 1)} ms) | ${f(p.firstReconcileCpuMs)} ms | ${f(p.rssMb)} MB (${f(p.heapMb)} MB) | ${ms(r.joinToAgentsMs.p50)} / ${ms(r.joinToAgentsMs.max)} | ${ms(r.joinToWatchesMs.p50)} / ${ms(r.joinToWatchesMs.max)} | ${r.joins} |`);
  }
  const at = rows.find((r) => r.nodes === 1000);
  if (at) {
    const check = (ok: boolean) => (ok ? 'met' : '**missed**');
    out.push('', `Targets at 1000 nodes: steady writes ≤ ${TARGETS.writesPerNodePer30s} per node per 30 s — ${check(at.steady.writesPerNodePer30s <= TARGETS.writesPerNodePer30s && at.realAgentWritesPer30s <= TARGETS.writesPerNodePer30s)}; full reconcile ≤ ${TARGETS.reconcileCpuMs} ms CPU (with and without a peer's change) — ${check(Math.max(at.probe.reconcileCpuMs, at.probe.changeCpuMs) <= TARGETS.reconcileCpuMs)}; agent RSS ≤ ${TARGETS.rssMb} MB — ${check(at.probe.rssMb <= TARGETS.rssMb)}; join visible mesh-wide ≤ ${TARGETS.joinMs / 1000} s — ${check(Math.max(at.joinToAgentsMs.max, at.joinToWatchesMs.max) <= TARGETS.joinMs)}.`);
  }
  return out.join('\n');
}

const BEGIN = '<!-- scale-results:begin (generated by bench/src/scale/run.ts) -->';
const END = '<!-- scale-results:end -->';

/** `doc` with the text between the result markers replaced by `table`; throws when a marker is missing. */
export function spliceResults(doc: string, table: string): string {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/scale.md lacks the result markers ${BEGIN} … ${END}`);
  return `${doc.slice(0, a + BEGIN.length)}\n${table}\n${doc.slice(b)}`;
}

interface Series {
  label: string;
  color: string;
  values: number[];
}

interface Panel {
  title: string;
  unit: string;
  series: Series[];
  target?: number;
}

const PANEL_W = 360;
const PANEL_H = 220;
const M = { l: 56, r: 12, t: 28, b: 36 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One panel: node count on a log axis, the value on a linear axis from 0, an optional target line. */
function panel(p: Panel, nodes: readonly number[], x0: number, y0: number): string {
  const w = PANEL_W - M.l - M.r;
  const h = PANEL_H - M.t - M.b;
  const finite = p.series.flatMap((s) => s.values).filter(Number.isFinite);
  const top = Math.max(1e-9, ...finite, p.target ?? 0) * 1.15;
  const lo = Math.log10(Math.min(...nodes));
  const hi = Math.log10(Math.max(...nodes));
  const px = (n: number) => x0 + M.l + (hi === lo ? w / 2 : ((Math.log10(n) - lo) / (hi - lo)) * w);
  const py = (v: number) => y0 + M.t + h - (v / top) * h;
  const out: string[] = [];
  out.push(`<text x="${x0 + M.l}" y="${y0 + 16}" font-size="13" font-weight="bold">${esc(p.title)}</text>`);
  out.push(`<line x1="${x0 + M.l}" y1="${y0 + M.t + h}" x2="${x0 + M.l + w}" y2="${y0 + M.t + h}" stroke="#333"/>`);
  out.push(`<line x1="${x0 + M.l}" y1="${y0 + M.t}" x2="${x0 + M.l}" y2="${y0 + M.t + h}" stroke="#333"/>`);
  for (const n of nodes) out.push(`<text x="${px(n)}" y="${y0 + M.t + h + 14}" font-size="10" text-anchor="middle">${n}</text>`);
  out.push(`<text x="${x0 + M.l + w / 2}" y="${y0 + PANEL_H - 6}" font-size="10" text-anchor="middle">nodes (log scale)</text>`);
  for (const frac of [0, 0.5, 1]) {
    const v = (top / 1.15) * frac;
    out.push(`<text x="${x0 + M.l - 4}" y="${py(v) + 3}" font-size="10" text-anchor="end">${v >= 100 ? v.toFixed(0) : v.toPrecision(2)}</text>`);
  }
  out.push(`<text x="${x0 + 12}" y="${y0 + M.t + h / 2}" font-size="10" text-anchor="middle" transform="rotate(-90 ${x0 + 12} ${y0 + M.t + h / 2})">${esc(p.unit)}</text>`);
  if (p.target !== undefined) {
    out.push(`<line x1="${x0 + M.l}" y1="${py(p.target)}" x2="${x0 + M.l + w}" y2="${py(p.target)}" stroke="#c00" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${x0 + M.l + w}" y="${py(p.target) - 3}" font-size="10" fill="#c00" text-anchor="end">target ${p.target}</text>`);
  }
  p.series.forEach((s, k) => {
    const pts = s.values.map((v, i) => [nodes[i]!, v] as const).filter(([, v]) => Number.isFinite(v));
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map(([n, v]) => `${px(n).toFixed(1)},${py(v).toFixed(1)}`).join(' ')}"/>`);
    for (const [n, v] of pts) out.push(`<circle cx="${px(n).toFixed(1)}" cy="${py(v).toFixed(1)}" r="3" fill="${s.color}"/>`);
    out.push(`<text x="${x0 + M.l + 6}" y="${y0 + M.t + 12 + k * 12}" font-size="10" fill="${s.color}">${esc(s.label)}</text>`);
  });
  return out.join('\n');
}

/** The plot: six panels of cost against node count. */
export function renderSvg(rows: readonly ScaleRow[]): string {
  const nodes = rows.map((r) => r.nodes);
  const col = (fn: (r: ScaleRow) => number) => rows.map(fn);
  const panels: Panel[] = [
    { title: 'Watch events at the API server', unit: 'events/s', series: [{ label: 'steady', color: '#1f77b4', values: col((r) => r.steady.events) }, { label: 'churn (10 changes/s)', color: '#ff7f0e', values: col((r) => r.churn.events) }] },
    { title: 'API requests', unit: 'requests/s', series: [{ label: 'steady', color: '#1f77b4', values: col((r) => r.steady.reads + r.steady.writes + r.steady.watches) }, { label: 'churn', color: '#ff7f0e', values: col((r) => r.churn.reads + r.churn.writes + r.churn.watches) }] },
    { title: 'Events one agent receives', unit: 'events/s', series: [{ label: 'steady', color: '#1f77b4', values: col((r) => r.steady.eventsPerWatcher) }, { label: 'churn', color: '#ff7f0e', values: col((r) => r.churn.eventsPerWatcher) }] },
    { title: 'Agent: full reconcile CPU', unit: 'ms', target: TARGETS.reconcileCpuMs, series: [{ label: 'CPU per reconcile', color: '#2ca02c', values: col((r) => r.probe.reconcileCpuMs) }, { label: 'one peer changed', color: '#17becf', values: col((r) => r.probe.changeCpuMs) }] },
    { title: 'Agent RSS', unit: 'MB', target: TARGETS.rssMb, series: [{ label: 'RSS', color: '#9467bd', values: col((r) => r.probe.rssMb) }, { label: 'heap used', color: '#8c564b', values: col((r) => r.probe.heapMb) }] },
    { title: 'Join → in every WireGuard config', unit: 'ms', target: TARGETS.joinMs, series: [{ label: 'max over joins', color: '#d62728', values: col((r) => r.joinToAgentsMs.max) }, { label: 'p50', color: '#17becf', values: col((r) => r.joinToAgentsMs.p50) }] },
  ];
  const W = PANEL_W * 3;
  const H = PANEL_H * 2;
  const body = panels.map((p, i) => panel(p, nodes, (i % 3) * PANEL_W, Math.floor(i / 3) * PANEL_H)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n<rect width="${W}" height="${H}" fill="white"/>\n${body}\n</svg>\n`;
}
