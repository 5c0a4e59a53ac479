import assert from 'node:assert/strict';
import { openDgramPort, StunServer, type UdpPort } from '@wirekube/nat';
import { runCli } from './cli';
import type { MeshSource } from './mesh-source';

async function cli(argv: string[], source?: MeshSource) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { env: {}, out: (t) => (out += t), err: (t) => (err += t), nowMs: () => 0, source });
  return { code, out, err };
}

describe('wirekubectl netcheck against a real RFC 5780 STUN server on loopback', () => {
  const sockets: UdpPort[] = [];
  let server: StunServer;
  let primary = '';
  before(async () => {
    // Two loopback addresses × two ports: the full RFC 5780 grid, so CHANGE-REQUEST works.
    const p = await openDgramPort({ ip: '127.0.0.1' });
    const ap = await openDgramPort({ ip: '127.0.0.1' });
    const ai = await openDgramPort({ ip: '127.0.0.2', port: p.local.port });
    const ab = await openDgramPort({ ip: '127.0.0.2', port: ap.local.port });
    sockets.push(p, ap, ai, ab);
    server = new StunServer({ sockets: { primary: p, altPort: ap, altIp: ai, altBoth: ab } });
    server.start();
    primary = `127.0.0.1:${p.local.port}`;
  });
  after(async () => {
    server?.stop();
    await Promise.all(sockets.map((s) => s.close()));
  });

  it('classifies this machine (no NAT on loopback) with the RFC 5780 method', async () => {
    const r = await cli(['netcheck', '--stun-servers', primary, '--timeout', '3s']);
    assert.equal(r.code, 0, r.err + r.out);
    assert.match(r.out, /^NAT type: {8}open$/m);
    assert.match(r.out, /^Method: {10}RFC 5780 \(CHANGE-REQUEST\) in \d+ms$/m);
    assert.match(r.out, /^Public address: {2}127\.0\.0\.1:\d+$/m);
  });

  it('prints JSON and takes the servers from the mesh when none are given', async () => {
    const source: MeshSource = {
      origin: 'test',
      mesh: async () => ({ apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubeMesh', metadata: { name: 'default' }, spec: { stunServers: [primary, primary] } }),
      peers: async () => [],
      gateways: async () => [],
    };
    const r = await cli(['netcheck', '--output=json'], source);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.servers, [primary, primary]);
    assert.equal(j.type, 'open');
  });

  it('reports UDP blocked (exit 1) when no server answers', async () => {
    const silent = await openDgramPort({ ip: '127.0.0.1' });
    try {
      const r = await cli(['netcheck', '--stun-servers', `127.0.0.1:${silent.local.port}`, '--timeout', '500ms']);
      assert.equal(r.code, 1);
      assert.match(r.out, /^NAT type: {8}udp-blocked$/m);
      assert.match(r.out, /no answer from 127\.0\.0\.1:\d+: UDP looks blocked/);
    } finally {
      await silent.close();
    }
  });
});
