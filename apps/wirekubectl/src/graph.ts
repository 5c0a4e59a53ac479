/**
 * The mesh as a picture. {@link meshGraph} folds both directions of every published path into
 * one edge; {@link renderDot} and {@link renderSvg} draw it — direct edges solid green, relayed
 * edges dashed orange bending through the relay at the centre, pairs without a path dotted red.
 * Pure and deterministic (sorted input, fixed layout), so the output can be compared in tests.
 */
import type { WireKubePeer } from '@wirekube/k8s';
import { natTypeOf, publishedPaths } from './mesh-view';

/** One node of the picture. */
export interface GraphNode {
  name: string;
  nat: string;
  connected: boolean;
}

/** One pair; `path` folds both directions: direct only when both sides say so. */
export interface GraphEdge {
  a: string;
  b: string;
  path: 'direct' | 'relay' | 'none';
  reason: string;
}

/** Nodes and edges, sorted. */
export interface MeshGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const RANK = { direct: 0, relay: 1, none: 2 } as const;

/** Builds the graph from the peers' published paths (paths to unknown peers are ignored). */
export function meshGraph(peers: readonly WireKubePeer[]): MeshGraph {
  const nodes = peers
    .map((p) => ({ name: p.metadata.name ?? '', nat: natTypeOf(p), connected: p.status?.connected === true }))
    .sort((x, y) => x.name.localeCompare(y.name));
  const known = new Set(nodes.map((n) => n.name));
  const edges = new Map<string, GraphEdge>();
  for (const v of publishedPaths(peers, 0)) {
    if (!known.has(v.to) || v.to === v.from) continue;
    const [a, b] = [v.from, v.to].sort();
    const key = `${a}\u0000${b}`;
    const prev = edges.get(key);
    // The worse of the two directions wins: a pair is only as direct as its weaker side.
    if (!prev || RANK[v.path] > RANK[prev.path]) edges.set(key, { a, b, path: v.path, reason: v.reason });
  }
  return { nodes, edges: [...edges.values()].sort((x, y) => x.a.localeCompare(y.a) || x.b.localeCompare(y.b)) };
}

const STYLE = {
  direct: { color: '#2e7d32', dot: 'solid', dash: '' },
  relay: { color: '#ef6c00', dot: 'dashed', dash: '8 5' },
  none: { color: '#c62828', dot: 'dotted', dash: '2 4' },
} as const;

const dotText = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
const dotId = (s: string) => `"${dotText(s)}"`;

/** Graphviz DOT (undirected). Render with `dot -Tsvg`. */
export function renderDot(g: MeshGraph): string {
  const lines = ['graph wirekube {', '  layout=circo;', '  node [shape=box, style=rounded, fontname="Helvetica"];'];
  for (const n of g.nodes) lines.push(`  ${dotId(n.name)} [label="${dotText(n.name)}\\n${dotText(n.nat)}"${n.connected ? '' : ', color="#c62828"'}];`);
  for (const e of g.edges) {
    const s = STYLE[e.path];
    lines.push(`  ${dotId(e.a)} -- ${dotId(e.b)} [label=${dotId(e.path)}, style=${s.dot}, color=${dotId(s.color)}, tooltip=${dotId(e.reason)}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (n: number) => String(Math.round(n * 10) / 10);

/** A standalone SVG: nodes on a circle, the relay at the centre, a legend below. */
export function renderSvg(g: MeshGraph): string {
  const n = g.nodes.length;
  const radius = Math.max(120, n * 28);
  const size = 2 * radius + 240;
  const cx = size / 2;
  const cy = size / 2;
  const pos = new Map(g.nodes.map((node, i) => {
    const angle = (2 * Math.PI * i) / Math.max(n, 1) - Math.PI / 2;
    return [node.name, { x: cx + radius * Math.cos(angle), y: cy + radius * Math.sin(angle) }];
  }));
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size + 60}" viewBox="0 0 ${size} ${size + 60}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>WireKube mesh: ${n} nodes, ${g.edges.filter((e) => e.path === 'direct').length} direct and ${g.edges.filter((e) => e.path === 'relay').length} relayed pairs</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  ];
  if (g.edges.some((e) => e.path === 'relay')) {
    out.push(`<g class="relay-hub"><rect x="${fmt(cx - 34)}" y="${fmt(cy - 16)}" width="68" height="32" rx="6" fill="#fff3e0" stroke="#ef6c00"/><text x="${fmt(cx)}" y="${fmt(cy + 5)}" text-anchor="middle" font-size="13">relay</text></g>`);
  }
  for (const e of g.edges) {
    const [p, q] = [pos.get(e.a), pos.get(e.b)];
    if (!p || !q) continue;
    const s = STYLE[e.path];
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    const attrs = `class="edge ${e.path}" stroke="${s.color}" stroke-width="2" fill="none"${dash}`;
    // Relayed traffic really does go through the relay: bend those edges through the centre.
    const d = e.path === 'relay' ? `M ${fmt(p.x)} ${fmt(p.y)} Q ${fmt(cx)} ${fmt(cy)} ${fmt(q.x)} ${fmt(q.y)}` : `M ${fmt(p.x)} ${fmt(p.y)} L ${fmt(q.x)} ${fmt(q.y)}`;
    out.push(`<path d="${d}" ${attrs}><title>${xml(`${e.a} ↔ ${e.b}: ${e.path} — ${e.reason}`)}</title></path>`);
  }
  for (const node of g.nodes) {
    const p = pos.get(node.name) as { x: number; y: number };
    const stroke = node.connected ? '#37474f' : '#c62828';
    out.push(
      `<g class="node"><rect x="${fmt(p.x - 70)}" y="${fmt(p.y - 22)}" width="140" height="44" rx="8" fill="#eceff1" stroke="${stroke}" stroke-width="1.5"/>` +
        `<text x="${fmt(p.x)}" y="${fmt(p.y - 3)}" text-anchor="middle" font-size="13" font-weight="bold">${xml(node.name)}</text>` +
        `<text x="${fmt(p.x)}" y="${fmt(p.y + 13)}" text-anchor="middle" font-size="11" fill="#546e7a">${xml(node.nat)}</text></g>`,
    );
  }
  const ly = size + 20;
  (['direct', 'relay', 'none'] as const).forEach((kind, i) => {
    const x = 30 + i * 170;
    const s = STYLE[kind];
    out.push(`<g class="legend"><line x1="${x}" y1="${ly}" x2="${x + 40}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/><text x="${x + 48}" y="${ly + 4}" font-size="12">${kind === 'none' ? 'no path' : kind}</text></g>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
