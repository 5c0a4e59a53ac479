/**
 * @wirekube/lab — the NAT lab: network namespaces as sites, router namespaces doing real NAT
 * (nftables), wireguard-go per node, supervised processes, reversible faults. Must run as root.
 *
 * ```ts
 * import { Lab, serveIntoLab, startWireguard, useLab } from '@wirekube/lab'; // inside e2e: '../../lab'
 *
 * describe('my scenario', function () {
 *   const lab = useLab({
 *     sites: [
 *       { name: 'home', nat: 'port-restricted', nodes: ['a', 'b'] },          // MASQUERADE
 *       { name: 'cgn', nat: 'port-restricted', carrier: 'symmetric', nodes: ['c'] }, // double NAT
 *       { name: 'vpc', nat: 'public', nodes: ['gw'], hosts: ['db'] },         // db: not a mesh member
 *     ],
 *   }); // services stun (198.18.0.10 + .11), relay (198.18.0.20), api (198.18.0.30) by default
 *
 *   it('works', async () => {
 *     const a = lab().host('a');                      // a.addr === '10.1.0.10', a.netns, a.wgDir
 *     await a.exec(['ping', '-c1', '-W1', lab().host('relay').addr]);
 *     const relay = lab().host('relay').spawn(['node', 'dist/main.js'], { env: { PORT: '3478' } });
 *     await relay.waitForOutput(/listening/);        // logs attached to the test if it fails
 *     const wg = await startWireguard(a, { address: '10.99.0.1/24' }); // own /run/wireguard
 *     const f = await lab().faults.blackhole({ from: 'home', to: 'cgn', bothWays: true });
 *     await f.clear();
 *     await lab().faults.rebootRouter('home');       // conntrack + learned mappings gone
 *     await relay.restart();
 *     // A server in this process (e.g. the API stand-in on a unix socket) seen in the lab at api:6443:
 *     await serveIntoLab(lab().host('api'), { socketPath: '/tmp/x/api.sock', port: 6443 });
 *   });
 * });
 * ```
 * Addresses: internet 198.18.0.0/16 (on-link, no default route anywhere, so nothing leaves the lab);
 * site i (1-based, spec order) has WAN 198.18.i.1, LAN 10.i.0.0/24 with router .1, nodes .10+,
 * hosts .100+ (with `subnetPerMember: true` member j sits alone in 10.i.j.0/24, the router
 * routing between segments: same NAT, not same LAN); public sites put nodes straight on the internet at 198.18.i.10+; a carrier NAT's
 * subscriber link is 100.64.i.0/24. Outside mocha use `await Lab.up(spec)` … `await lab.down()`.
 *
 * NAT types (see {@link NatType}): public, port-restricted, address-restricted, full-cone,
 * symmetric (random ports), symmetric-sequential (+1 per new mapping from 20000), udp-blocked;
 * `carrier` adds a carrier NAT in front (double NAT); `hairpin: true` loops LAN→own-WAN UDP back
 * (off by default, like MASQUERADE). `useLab` clears faults and flushes NAT state
 * after every test (opt out with `flushNatBetweenTests: false`). Independent measuring tools:
 * `startReflector` + `observeNat` + `classifyObservation`, `listenUdp` / `sendUdp`.
 *
 * Suites inside the e2e project must import this module by relative path (`../../lab`): the Nx
 * boundary lint rejects a project importing itself through its own alias. Other projects (bench,
 * demo) use `@wirekube/lab`.
 */
export { type NatType, type ServiceName, type SiteSpec, type TopologySpec, NAT_TYPES, SERVICE_ADDRS, TopologyError, validateTopology } from './topology';
export { type HostPlan, type LabPlan, type RouterPlan, type SitePlan, planLab } from './plan';
export { Lab } from './lab';
export { LabHost } from './host';
export { LabSite } from './site';
export { type ExitInfo, type SpawnOptions, LabProcess, LabProcessError } from './process';
export { type ExecResult, type RunOptions, LabCommandError } from './sh';
export { type BlackholeOptions, type Fault, type FaultProto, type LossOptions, type RateLimitOptions, Faults } from './faults';
export { SEQUENTIAL_PORT_BASE, SEQUENTIAL_PORT_SPAN, routerRuleset } from './nat-rules';
export { sweepLeftovers } from './cleanup';
export {
  type StartWireguardOptions,
  type WgKeyPair,
  type WgPeerConfig,
  type WgPeerState,
  LabWireguard,
  UapiError,
  generateWgKeyPair,
  keyToHex,
  startWireguard,
  uapiRequest,
} from './wireguard';
export { type UseLabOptions, attachLogs, useLab } from './mocha';
export {
  type NatObservation,
  type NatVerdict,
  type UdpListenResult,
  type UdpListener,
  type Reflector,
  REFLECTOR_PORTS,
  UDP_TOOL,
  classifyObservation,
  listenUdp,
  sendUdp,
  observeNat,
  observeTcp,
  startReflector,
} from './nat-probe';
export {
  type ExposeFromLabOptions,
  type LoopbackBridge,
  type ServeIntoLabOptions,
  BRIDGE_TOOL,
  exposeFromLab,
  loopbackToUnix,
  serveIntoLab,
} from './bridge';
