import type { TopologySpec } from '../../lab';

/**
 * The grid's lab: one mesh node per NAT kind, plus two two-node sites. `fc1`/`fc2` share a LAN
 * behind one full-cone NAT (the same-LAN pair); `pr1`/`pr2` sit on two LAN segments behind one
 * port-restricted NAT (the same-NAT pair: the router routes between segments, un-NATed). Both
 * pairs listen on the same WireGuard port behind one MASQUERADE, so one of each pair's public
 * mappings cannot keep the port: their pairs exercise a NAT that changes the WireGuard port. The
 * double NAT is a port-restricted home router behind a port-restricted (endpoint-independent,
 * RFC 6888-style) carrier NAT, so it composes to a port-restricted cone with a preserved port.
 */
export const GRID_TOPOLOGY: TopologySpec = {
  sites: [
    { name: 'site-pub', nat: 'public', nodes: ['pub'] },
    { name: 'site-fc', nat: 'full-cone', nodes: ['fc1', 'fc2'] },
    { name: 'site-pr', nat: 'port-restricted', subnetPerMember: true, nodes: ['pr1', 'pr2'] },
    { name: 'site-sym', nat: 'symmetric', nodes: ['sym'] },
    { name: 'site-seq', nat: 'symmetric-sequential', nodes: ['seq'] },
    { name: 'site-blk', nat: 'udp-blocked', nodes: ['blk'] },
    { name: 'site-dbl', nat: 'port-restricted', carrier: 'port-restricted', nodes: ['dbl'] },
  ],
};

/** Every node of {@link GRID_TOPOLOGY}, in spec order. */
export const GRID_NODES: readonly string[] = GRID_TOPOLOGY.sites.flatMap((s) => s.nodes);

/** What a pair must settle on, seen from both ends, and why. */
export interface GridExpectation {
  a: string;
  b: string;
  path: 'direct' | 'relay';
  /** Matches the reason both agents publish once the pair has settled (names may come in either order). */
  reason: RegExp;
  /** When set, the direct endpoint both ends use must match (e.g. a host candidate on the LAN). */
  endpoint?: RegExp;
  /** One line: why the pair matrix (libs/planner decidePair → libs/nat planPunch) decides this. */
  why: string;
}

const CONE = /both mappings endpoint-independent, simultaneous punch/;
const NO_UDP = /relayed: .*has no UDP path out; relay only/;
const OPEN_SYM = /the open side accepts the symmetric side's new mapping/;
const FC_SYM = /the full-cone side accepts the symmetric side's new mapping/;
const SEQ = /symmetric side allocates sequential \(delta 1\); punching predicted ports/;
const NO_BIRTHDAY = /relayed: .*direct impossible without port prediction \(birthday attack disabled\)/;
const direct = (a: string, b: string, reason: RegExp, why: string, endpoint?: RegExp): GridExpectation => ({ a, b, path: 'direct', reason, why, ...(endpoint && { endpoint }) });
const relay = (a: string, b: string, reason: RegExp, why: string): GridExpectation => ({ a, b, path: 'relay', reason, why });

/**
 * The expected matrix: every unordered pair of {@link GRID_NODES} once. `symmetric` is the lab's
 * fully-random MASQUERADE (unpredictable), `symmetric-sequential` the +1-per-mapping allocator
 * discovery reports as `sequential` with delta 1. The birthday attack is off (the mesh default).
 */
export const GRID_EXPECTED: readonly GridExpectation[] = [
  direct('pub', 'fc1', CONE, 'open ↔ full cone: both mappings endpoint-independent'),
  direct('pub', 'fc2', CONE, 'open ↔ full cone, the WireGuard port remapped by the shared NAT'),
  direct('pub', 'pr1', CONE, 'open ↔ port-restricted: both mappings endpoint-independent'),
  direct('pub', 'pr2', CONE, 'open ↔ port-restricted, the WireGuard port remapped by the shared NAT'),
  direct('pub', 'sym', OPEN_SYM, 'an open node admits the symmetric side from any new mapping'),
  direct('pub', 'seq', OPEN_SYM, 'an open node admits the symmetric side from any new mapping'),
  relay('pub', 'blk', NO_UDP, 'no UDP leaves the blocked site'),
  direct('pub', 'dbl', CONE, 'open ↔ double NAT that composes to a port-restricted cone'),
  direct(
    'fc1',
    'fc2',
    // Which rule fires first depends on whether the peer's host candidates are known yet; both aim at them.
    /same LAN \(10\.2\.0\.0\/24\): host candidates first|same NAT \(public 198\.18\.2\.1\): host candidates first/,
    'same LAN: host candidates, the NAT is not on the path',
    /^10\.2\.0\.1[01]:51822$/,
  ),
  ...['fc1', 'fc2'].flatMap((fc) => [
    direct(fc, 'pr1', CONE, 'full cone ↔ port-restricted: simultaneous punch'),
    direct(fc, 'pr2', CONE, 'full cone ↔ port-restricted: simultaneous punch'),
    direct(fc, 'sym', FC_SYM, 'endpoint-independent filtering admits the new symmetric mapping'),
    direct(fc, 'seq', FC_SYM, 'endpoint-independent filtering admits the new symmetric mapping'),
    relay(fc, 'blk', NO_UDP, 'no UDP leaves the blocked site'),
    direct(fc, 'dbl', CONE, 'full cone ↔ port-restricted double NAT'),
  ]),
  direct('pr1', 'pr2', /same NAT \(public 198\.18\.3\.1\): host candidates first/, 'same NAT, different LAN segments: host candidates through the router, un-NATed', /^10\.3\.(0\.10|1\.11):51822$/),
  ...['pr1', 'pr2'].flatMap((pr) => [
    relay(pr, 'sym', NO_BIRTHDAY, 'port-restricted ↔ random symmetric: needs the birthday attack, off by default'),
    direct(pr, 'seq', SEQ, 'port-restricted ↔ sequential symmetric: the next ports are predictable'),
    relay(pr, 'blk', NO_UDP, 'no UDP leaves the blocked site'),
    direct(pr, 'dbl', CONE, 'port-restricted ↔ port-restricted double NAT: simultaneous punch'),
  ]),
  relay('sym', 'seq', /relayed: .*both sides pick a new port per destination; direct impossible/, 'symmetric ↔ symmetric: neither side can aim at the other'),
  relay('sym', 'blk', NO_UDP, 'no UDP leaves the blocked site'),
  relay('sym', 'dbl', NO_BIRTHDAY, 'random symmetric ↔ port-restricted double NAT: needs the birthday attack'),
  relay('seq', 'blk', NO_UDP, 'no UDP leaves the blocked site'),
  direct('seq', 'dbl', SEQ, 'sequential symmetric ↔ port-restricted double NAT: predicted ports'),
  relay('blk', 'dbl', NO_UDP, 'no UDP leaves the blocked site'),
];

/** Renders rows as a fixed-width text table (first row is the header). */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
