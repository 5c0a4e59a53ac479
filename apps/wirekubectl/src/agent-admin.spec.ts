import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { AgentAdminService, type AgentAdminServer, type AgentStatus } from '@wirekube/proto';
import { agentFindings, probeAgent } from './agent-admin';
import { runCli } from './cli';
import type { NodeFacts } from './node-facts';

const STATUS: AgentStatus = {
  nodeName: 'node-a', publicKey: 'k', interfaceName: 'wire_kube', listenPort: 51822, meshIp: '10.250.0.7', nat: undefined,
  relaySessions: [], peersTotal: 3, peersDirect: 0, peersRelay: 2, peersDown: 1, version: '0.1.0', startedAtMs: 0, backend: 'userspace:wireguard-go',
};
const FACTS: NodeFacts = {
  tun: { exists: true, charDevice: true, readWrite: true },
  wireguard: { kernelModule: true, moduleAvailable: true },
  rules: [],
  mainRoutes: [],
  meshRoutes: [],
  sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.src_valid_mark': '1' },
  iptables: 'iptables v1.8.9 (nf_tables)',
  udpPortInUse: false,
};

describe('doctor reads the local agent over its AgentAdmin unix socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wkctl-admin-'));
  const socket = join(dir, 'agent.sock');
  const server = new Server();
  before(async () => {
    const impl: Pick<AgentAdminServer, 'getStatus'> = { getStatus: (_call, cb) => cb(null, STATUS) };
    server.addService(AgentAdminService, impl as AgentAdminServer);
    await new Promise<void>((res, rej) => server.bindAsync(`unix:${socket}`, ServerCredentials.createInsecure(), (err) => (err ? rej(err) : res())));
  });
  after(() => {
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds the agent status and warns about a missing relay session and peers without a path', async () => {
    let out = '';
    const code = await runCli(['doctor', '--admin-socket', socket, '--output=json'], {
      env: {}, out: (t) => (out += t), err: () => undefined, nowMs: () => 0,
      doctor: { gather: async () => FACTS, agent: probeAgent },
    });
    assert.equal(code, 0);
    const agent = JSON.parse(out).findings.filter((f: { check: string }) => f.check === 'agent');
    assert.deepEqual(agent, [
      { check: 'agent', status: 'ok', detail: 'node-a (agent 0.1.0): userspace:wireguard-go WireGuard on wire_kube:51822, mesh address 10.250.0.7, peers 0 direct / 2 relay / 1 without a path' },
      { check: 'agent', status: 'warn', detail: 'no relay session: check relay.endpoints and TCP 3478/3479 to the relay' },
      { check: 'agent', status: 'warn', detail: '1 peer(s) without a path: wirekubectl peers node-a shows why' },
    ]);
  });

  it('reports an absent socket as information and a dead one as a warning', async () => {
    assert.deepEqual(agentFindings(await probeAgent(join(dir, 'none.sock'), 1000)), [
      { check: 'agent', status: 'info', detail: `no agent admin socket at ${join(dir, 'none.sock')}: the agent is not running on this node` },
    ]);
    const stale = join(dir, 'stale.sock');
    writeFileSync(stale, '');
    const [f] = agentFindings(await probeAgent(stale, 1000));
    assert.equal(f.status, 'warn');
    assert.match(f.detail, /^the agent admin socket .*stale\.sock did not answer: /);
  });
});
