import assert from 'node:assert/strict';
import type { PeerStatus, WireKubePeer } from '@wirekube/k8s';
import { meshGraph, renderDot, renderSvg } from './graph';

function peer(name: string, status: PeerStatus): WireKubePeer {
  return { apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubePeer', metadata: { name }, spec: { publicKey: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }, status };
}

describe('mesh graph', () => {
  const peers = [
    peer('b', { natType: 'symmetric', connected: true, paths: [{ peer: 'a', path: 'relay', reason: 'b says relay <sym>' }, { peer: 'c', path: 'direct', reason: 'ok' }] }),
    peer('a', { natType: 'full-cone', connected: true, paths: [{ peer: 'b', path: 'direct', reason: 'a says direct' }, { peer: 'ghost', path: 'direct', reason: 'left' }] }),
    peer('c', { connected: false, paths: [{ peer: 'b', path: 'direct', reason: 'ok' }, { peer: 'a', path: 'none', reason: 'no route' }] }),
  ];

  it('folds both directions into one edge, the weaker path winning, and ignores unknown peers', () => {
    const g = meshGraph(peers);
    assert.deepEqual(g.nodes.map((n) => `${n.name}:${n.nat}:${n.connected}`), ['a:full-cone:true', 'b:symmetric:true', 'c:unknown:false']);
    assert.deepEqual(g.edges.map((e) => `${e.a}-${e.b}:${e.path}`), ['a-b:relay', 'a-c:none', 'b-c:direct']);
    assert.equal(g.edges[0].reason, 'b says relay <sym>');
  });

  it('draws DOT edges with a style per path', () => {
    const dot = renderDot(meshGraph(peers));
    assert.match(dot, /^graph wirekube \{/);
    assert.match(dot, /"a" -- "b" \[label="relay", style=dashed, color="#ef6c00", tooltip="b says relay <sym>"\];/);
    assert.match(dot, /"b" -- "c" \[label="direct", style=solid/);
    assert.match(dot, /"a" -- "c" \[label="none", style=dotted/);
    assert.match(dot, /"c" \[label="c\\nunknown", color="#c62828"\];/);
  });

  it('draws an SVG with escaped text, relayed edges bent through the relay hub and a legend', () => {
    const svg = renderSvg(meshGraph(peers));
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.ok(svg.includes('b says relay &lt;sym&gt;'));
    assert.ok(!svg.includes('<sym>'));
    assert.match(svg, /<path d="M [\d.]+ [\d.]+ Q [\d.]+ [\d.]+ [\d.]+ [\d.]+" class="edge relay"[^>]*stroke-dasharray="8 5"/);
    assert.match(svg, /<path d="M [\d.]+ [\d.]+ L [\d.]+ [\d.]+" class="edge direct" stroke="#2e7d32" stroke-width="2" fill="none">/);
    assert.equal((svg.match(/class="relay-hub"/g) ?? []).length, 1);
    assert.equal((svg.match(/class="legend"/g) ?? []).length, 3);
    assert.equal(renderSvg(meshGraph(peers)), svg, 'deterministic');
  });

  it('draws an empty mesh without a relay hub', () => {
    const svg = renderSvg({ nodes: [], edges: [] });
    assert.ok(!svg.includes('relay-hub'));
    assert.match(svg, /0 nodes, 0 direct and 0 relayed pairs/);
  });
});
