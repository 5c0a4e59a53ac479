import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { useLab } from '../../lab';
import { bundleAgent, getPeers, meshIpOf, startMeshNode, startMeshServices, type MeshNode, type MeshServices } from '../agent/mesh-lab';
import { GRID_EXPECTED, GRID_NODES, GRID_TOPOLOGY, formatTable, type GridExpectation } from './grid-matrix';
import { PathWatch } from './path-watch';

/** A pair must hold its expected path on both ends, unchanged, this long to count as settled. */
const HOLD_MS = 3000;

/**
 * The path grid (issue 9): one mesh across every lab NAT kind — public, full cone (two nodes on one
 * LAN), port-restricted (two nodes on two LAN segments behind one NAT), random symmetric, sequential
 * symmetric, UDP blocked, double NAT — real agents, wireguard-go, stun-probe, relay and STUN as separate
 * processes. Every pair must connect (relay at least), then settle on the path the pair matrix
 * promises ({@link GRID_EXPECTED}) as seen by BOTH agents over their admin sockets, stay there, and
 * ping over WireGuard. Prints the matrix: pair → path, time to direct, reason.
 */
describe('paths: the NAT grid settles every pair on its expected path', function () {
  this.timeout(240_000);
  const lab = useLab(GRID_TOPOLOGY, { hookTimeoutMs: 60_000, flushNatBetweenTests: false });
  let nodes: MeshNode[] = [];
  let watch: PathWatch | undefined;
  let ips = new Map<string, string>();
  let settledAt = 0;
  let services: MeshServices | undefined;
  /** Per node, when its agent logged "agent running" (its own clock line; the spawn itself can take seconds on a busy box). */
  const runningAt = new Map<string, number>();
  const changesAtSettle = new Map<string, number>();

  // The matrix is printed whatever happened: on a failure it shows which pairs are off and why.
  after(async () => {
    if (!watch) return;
    await watch.stop();
    process.stdout.write(`${renderMatrix()}\n`);
  });
  // Debug aid: WKLAB_KEEP_LOGS=<dir> keeps every process log of a failed test (the lab deletes its run directory).
  afterEach(function () {
    const keep = process.env.WKLAB_KEEP_LOGS;
    if (!keep || this.currentTest?.state !== 'failed') return;
    const to = join(keep, lab().runId);
    mkdirSync(to, { recursive: true });
    for (const p of lab().processes) copyFileSync(p.logFile, join(to, `${p.host}-${p.name}.log`));
  });

  const ends = (e: GridExpectation) => [watch!.view(e.a, e.b), watch!.view(e.b, e.a)] as const;
  const matches = (e: GridExpectation) => ends(e).every((v) => v.now?.path === e.path && e.reason.test(v.now.reason) && (!e.endpoint || e.endpoint.test(v.now.endpoint)));
  const describeRows = (rows: readonly GridExpectation[]) =>
    rows.map((e) => ends(e).map((v, i) => `  ${i ? e.b : e.a}→${i ? e.a : e.b}: ${v.now?.path ?? '?'} (${v.now?.reason ?? 'not listed'}) via ${v.now?.endpoint || '-'} — expected ${e.path} ${e.reason}${e.endpoint ? ` via ${e.endpoint}` : ''}`).join('\n')).join('\n');

  it('the expected matrix covers every pair of the grid exactly once', () => {
    const keys = GRID_EXPECTED.map((e) => [e.a, e.b].sort().join('|'));
    const want = GRID_NODES.flatMap((a, i) => GRID_NODES.slice(i + 1).map((b) => [a, b].sort().join('|')));
    assert.deepEqual([...keys].sort(), [...want].sort());
  });

  it('brings up one agent per NAT kind; every agent lists every peer with a usable path', async () => {
    const [agentBin, started] = await Promise.all([bundleAgent(), startMeshServices(lab())]);
    services = started;
    nodes = await Promise.all(GRID_NODES.map((n) => startMeshNode(lab(), started, lab().host(n), agentBin)));
    watch = new PathWatch(lab(), GRID_NODES).start();
    await Promise.all(nodes.map(async (n) => runningAt.set(n.name, Date.parse((await n.agent.waitForOutput(/"time":"([^"]+)"[^}]*"msg":"agent running"/, 60_000))[1]!))));
    const others = (n: string) => GRID_NODES.filter((m) => m !== n);
    await watch.until(
      'every agent to list every peer as relay or direct',
      90_000,
      () => (GRID_NODES.every((n) => others(n).every((m) => ['relay', 'direct'].includes(watch!.view(n, m).now?.path ?? ''))) ? true : undefined),
      () => GRID_NODES.flatMap((n) => others(n).filter((m) => !['relay', 'direct'].includes(watch!.view(n, m).now?.path ?? '')).map((m) => `  ${n}→${m}: ${watch!.view(n, m).now?.reason ?? 'not listed'}`)).join('\n'),
    );
    const peers = await getPeers(services);
    ips = new Map(peers.map((p) => [p.metadata.name, meshIpOf(p)!]));
    assert.equal([...ips.values()].filter(Boolean).length, GRID_NODES.length, 'every node has a mesh address');
  });

  it('every pair settles on its expected path, seen from both ends, and holds it', async () => {
    assert.ok(watch && ips.size, 'needs the mesh from the previous test');
    const settled = () => GRID_EXPECTED.every((e) => matches(e) && ends(e).every((v) => Date.now() - v.changedAt >= HOLD_MS));
    await watch.until('every pair to settle on its expected path', 90_000, () => (settled() ? true : undefined), () => describeRows(GRID_EXPECTED.filter((e) => !matches(e))));
    settledAt = Date.now();
    // Two nodes behind one NAT with the same listen port: the public node reaches each at its own
    // mapping of its WireGuard port on the shared public address (one of them necessarily remapped).
    for (const [x, y, wan] of [['fc1', 'fc2', '198.18.2.1'], ['pr1', 'pr2', '198.18.3.1']] as const) {
      const viaPub = [x, y].map((n) => watch!.view('pub', n).now!.endpoint);
      assert.ok(viaPub.every((e) => e.startsWith(`${wan}:`)) && viaPub[0] !== viaPub[1], `pub reaches ${x} and ${y} at distinct mappings of ${wan}: ${viaPub.join(', ')}`);
    }
    assert.match(watch.view('pub', 'dbl').now!.endpoint, /^198\.18\.7\.1:\d+$/, 'the double-NATed node is reached at the carrier NAT’s public address');
    // The endpoint that matters: what a NATed node publishes is the mapping of its WireGuard port
    // itself — exactly where the public node's WireGuard sees its packets come from — including the
    // remapped one of two nodes behind one NAT on the same listen port. Nodes behind a
    // per-destination NAT or without UDP publish nothing.
    // (Recorded first: the flap check of the next test must not depend on these assertions.) The
    // published endpoint follows observations that arrive one peer at a time (a symmetric node first
    // publishes what one peer saw, then withdraws it when a second peer sees another port), so it is
    // awaited, not sampled once.
    for (const e of GRID_EXPECTED) for (const [k, v] of [[`${e.a}>${e.b}`, watch.view(e.a, e.b)], [`${e.b}>${e.a}`, watch.view(e.b, e.a)]] as const) changesAtSettle.set(k, v.changes);
    const wrongEndpoints = async () => {
      const published = new Map((await getPeers(services!)).map((p) => [p.metadata.name, p.spec.endpoint]));
      return [
        ...['fc1', 'fc2', 'pr1', 'pr2', 'dbl'].filter((n) => published.get(n) !== watch!.view('pub', n).now!.endpoint).map((n) => `${n} publishes ${published.get(n)}, pub sees ${watch!.view('pub', n).now!.endpoint}`),
        ...['sym', 'seq', 'blk'].filter((n) => published.get(n) !== undefined).map((n) => `${n} publishes ${published.get(n)} (expected none)`),
      ];
    };
    let wrong = await wrongEndpoints();
    for (const deadline = Date.now() + 15_000; wrong.length > 0 && Date.now() < deadline; wrong = await wrongEndpoints()) await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(wrong, [], 'published WireGuard endpoints');
  });

  it('every pair pings over WireGuard on that path, and no path flaps meanwhile', async () => {
    assert.ok(watch && ips.size, 'needs the mesh from the bring-up test');
    const ping = async (from: string, to: string) => (await lab().host(from).exec(['ping', '-n', '-q', '-c1', '-W1', ips.get(to)!], { allowFail: true })).code === 0;
    const directed = GRID_EXPECTED.flatMap((e) => [[e.a, e.b], [e.b, e.a]] as const);
    let failing: string[] = [...directed.map(([a, b]) => `${a}→${b}`)];
    const deadline = Date.now() + 30_000;
    while (failing.length > 0 && Date.now() < deadline) {
      const results = await Promise.all(directed.filter(([a, b]) => failing.includes(`${a}→${b}`)).map(async ([a, b]) => ((await ping(a, b)) ? undefined : `${a}→${b}`)));
      failing = results.filter((x): x is string => x !== undefined);
    }
    assert.deepEqual(failing, [], 'every directed pair pings its peer mesh IP');
    assert.ok(settledAt, 'the grid never settled (see the previous test); every pair pings nonetheless');
    const flapped = GRID_EXPECTED.filter((e) => !matches(e) || watch!.view(e.a, e.b).changes !== changesAtSettle.get(`${e.a}>${e.b}`) || watch!.view(e.b, e.a).changes !== changesAtSettle.get(`${e.b}>${e.a}`));
    assert.deepEqual(flapped.map((e) => `${e.a}↔${e.b}`), [], `paths changed after settling:\n${describeRows(flapped)}`);
  });

  /** pair → expected, both ends' paths, time to direct (from the later "agent running" to both ends direct), reason. */
  function renderMatrix(): string {
    const rows = GRID_EXPECTED.map((e) => {
      const [ab, ba] = ends(e);
      const t0 = Math.max(runningAt.get(e.a) ?? NaN, runningAt.get(e.b) ?? NaN);
      const direct = ab.firstDirectAt !== undefined && ba.firstDirectAt !== undefined ? `${((Math.max(ab.firstDirectAt, ba.firstDirectAt) - t0) / 1000).toFixed(1)} s` : '—';
      const ok = matches(e) ? 'ok' : 'WRONG';
      return [`${e.a}↔${e.b}`, e.path, `${ab.now?.path ?? '?'}/${ba.now?.path ?? '?'}`, ok, direct, ab.now?.endpoint ?? '', ab.now?.reason ?? '', e.why];
    });
    return formatTable([['pair a↔b', 'expected', 'a/b view', 'check', 'to direct', 'a → b via', 'reason a publishes', 'why expected'], ...rows]).replace(/^/gm, '      ');
  }
});
