import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli, type CliDeps } from './cli';
import { NOW_MS, startCluster, type Cluster } from './testing/cluster';

const run = promisify(execFile);

async function cli(argv: string[], deps: Partial<CliDeps> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { env: {}, out: (t) => (out += t), err: (t) => (err += t), nowMs: () => NOW_MS, ...deps });
  return { code, out, err };
}

describe('wirekubectl against the API server test double', () => {
  let cluster: Cluster;
  let kc: string[];
  before(async () => {
    cluster = await startCluster();
    kc = ['--kubeconfig', cluster.kubeconfig];
  });
  after(() => cluster?.stop());

  it('status summarises mesh settings, peers, paths, NAT types and gateways', async () => {
    const r = await cli(['status', ...kc]);
    assert.equal(r.code, 0, r.err);
    for (const line of [
      `Mesh default (${cluster.server.url})`,
      'WireGuard:   wire_kube, UDP 51822, mesh addresses from 10.250.0.0/16',
      'Relay:       mode auto, relay.example.net:3478',
      'Peers:       3/3 connected',
      'Paths:       4 direct, 2 relay, 0 without a path',
      'NAT types:   full-cone 1, port-restricted-cone 1, symmetric 1',
    ]) assert.ok(r.out.includes(line), `missing ${JSON.stringify(line)} in\n${r.out}`);
    assert.match(r.out, /^vpc\s+node-b\s+true\s+1\s+\S+$/m);
  });

  it('peers prints one aligned row per path with NAT types, handshake age and reason', async () => {
    const r = await cli(['peers', ...kc]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split('\n');
    assert.match(lines[0], /^FROM\s+TO\s+PATH\s+FROM NAT\s+TO NAT\s+HANDSHAKE\s+REASON$/);
    assert.equal(lines.length, 7);
    assert.match(r.out, /^node-a\s+node-c\s+relay\s+port-restricted-cone\s+symmetric\s+45s\s+port-restricted↔symmetric: direct impossible/m);
    assert.match(r.out, /^node-c\s+node-a\s+relay\s+symmetric\s+port-restricted-cone\s+-\s+/m);
    const reasonColumn = lines[0].indexOf('REASON');
    for (const l of lines.slice(1)) assert.ok(l.length > reasonColumn && l[reasonColumn - 1] === ' ' && l[reasonColumn] !== ' ', `misaligned: ${l}`);
  });

  it('peers NODE filters, --output json carries the same data, an unknown node is a clear error', async () => {
    const r = await cli(['peers', 'node-b', '--output=json', ...kc]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.peers.map((p: { name: string }) => p.name), ['node-b']);
    assert.equal(j.paths.length, 4);
    assert.ok(j.paths.every((p: { from: string; to: string }) => p.from === 'node-b' || p.to === 'node-b'));
    const bad = await cli(['peers', 'node-x', ...kc]);
    assert.equal(bad.code, 1);
    assert.equal(bad.err, 'wirekubectl peers: no WireKubePeer named "node-x" (peers: node-a, node-b, node-c)\n');
  });

  it('explain tells why a pair is relayed and what would make it direct', async () => {
    const r = await cli(['explain', 'node-a', 'node-c', ...kc]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /node-a → node-c: relay \(for 15m, handshake 45s ago\) — port-restricted↔symmetric/);
    assert.match(r.out, /The pair is relay, as the planner expects/);
    assert.match(r.out, /What would make it direct:\n {2}- enable the birthday attack \(kubectl patch wkmesh default/);
    assert.match(r.out, /- forward UDP 51822 to node-a on its router \(a full-cone mapping\): full-cone↔symmetric/);
    assert.match(r.out, /- put node-c behind a NAT with endpoint-independent mapping .*: port-restricted↔port-restricted: both mappings endpoint-independent/);
    const unknown = await cli(['explain', 'node-a', 'nope', ...kc]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no WireKubePeer named "nope"/);
    const usage = await cli(['explain', 'node-a', ...kc]);
    assert.equal(usage.code, 2);
  });

  it('graph writes SVG and DOT with direct and relayed edges drawn differently', async () => {
    const svgPath = join(cluster.dir, 'mesh.svg');
    const r = await cli(['graph', '--out', svgPath, ...kc]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `wrote ${svgPath}: 3 nodes, 2 direct and 1 other pairs\n`);
    const svg = readFileSync(svgPath, 'utf8');
    assert.equal((svg.match(/class="edge direct"/g) ?? []).length, 2);
    assert.match(svg, /class="edge relay" stroke="#ef6c00" stroke-width="2" fill="none" stroke-dasharray="8 5"/);
    const dot = await cli(['graph', '--format=dot', ...kc]);
    assert.match(dot.out, /"node-a" -- "node-c" \[label="relay", style=dashed/);
    assert.match(dot.out, /"node-a" -- "node-b" \[label="direct", style=solid/);
  });

  it('reports a missing mesh by name and lists the ones that exist', async () => {
    const r = await cli(['status', '--mesh', 'prod', ...kc]);
    assert.equal(r.code, 1);
    assert.equal(r.err, `wirekubectl status: WireKubeMesh "prod" not found at ${cluster.server.url} (meshes: default; pick one with --mesh)\n`);
  });

  it('runs as the built binary with --output json', async () => {
    // Asynchronously: the API server answering it lives in this process.
    const bin = resolve(__dirname, '../bin/wirekubectl');
    const { stdout } = await run(bin, ['status', '--output', 'json', ...kc], { timeout: 20_000 });
    assert.deepEqual(JSON.parse(stdout).peers, { total: 3, connected: 3 });
  });
});

describe('wirekubectl errors', () => {
  it('names an unreadable kubeconfig', async () => {
    const r = await cli(['status', '--kubeconfig', '/nonexistent/kubeconfig']);
    assert.equal(r.code, 1);
    assert.match(r.err, /^wirekubectl status: cannot load kubeconfig \/nonexistent\/kubeconfig: .*ENOENT/);
  });

  it('says when the API server cannot be reached', async () => {
    const c = await startCluster({ install: 'nothing' });
    const url = c.server.url;
    await c.server.stop();
    try {
      const r = await cli(['peers', '--kubeconfig', c.kubeconfig]);
      assert.equal(r.code, 1);
      assert.equal(r.err, `wirekubectl peers: cannot reach the API server at ${url}: connection refused (ECONNREFUSED)\n`);
    } finally {
      await c.stop();
    }
  });

  it('says when the CRDs are not installed', async () => {
    const c = await startCluster({ install: 'nothing' });
    try {
      const r = await cli(['status', '--kubeconfig', c.kubeconfig]);
      assert.equal(r.code, 1);
      assert.match(r.err, /the WireKube CRDs are not installed at http:\/\/127\.0\.0\.1:\d+ \(kubectl apply -k deploy\/base\)/);
    } finally {
      await c.stop();
    }
  });

  it('rejects bad flags, unknown commands and a missing command with exit 2', async () => {
    const flag = await cli(['status', '--output=yaml']);
    assert.equal(flag.code, 2);
    assert.equal(flag.err, 'wirekubectl: --output: "yaml" is not one of table, json\n');
    const cmd = await cli(['stauts']);
    assert.equal(cmd.code, 2);
    assert.match(cmd.err, /unknown command "stauts" \(commands: status, peers, netcheck, explain, graph, doctor, cleanup/);
    assert.equal((await cli([])).code, 2);
  });

  it('--help documents every command and flag', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    for (const w of ['status', 'peers [NODE]', 'netcheck', 'explain NODE NODE', 'graph', 'doctor', 'cleanup', '--kubeconfig', '--output', '--stun-servers', '--yes']) assert.ok(r.out.includes(w), w);
  });
});
