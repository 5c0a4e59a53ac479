import assert from 'node:assert/strict';
import { SnatApplier, renderRoute } from '@wirekube/host';
import { FakeHost, FakeIptables } from '@wirekube/host/testing';
import { runCli } from './cli';
import { isWireKubeRule, type CleanupDeps } from './commands/cleanup';

const KEY = '/var/lib/wirekube/private.key';
const AGENT_FILES = ['/var/run/wireguard/wire_kube.sock', '/var/run/wirekube/agent.sock', '/var/lib/wirekube/agent-installed.json'];

/** A node as the agent leaves it (rules owned by priority, a throw route, SNAT), plus other tools' entries. */
async function installedNode() {
  const host = new FakeHost();
  const ipt = new FakeIptables();
  host.addLink('wire_kube', 1420);
  host.addLink('eth0');
  host.rules.push(
    { priority: 100, fwmark: 0x574b, table: 254, proto: 0 },
    { priority: 150, to: '192.0.2.1/32', table: 254, proto: 0 },
    { priority: 200, table: 22347, proto: 0 },
    { priority: 9, fwmark: 0x200, table: 2004, proto: 0 },
    { priority: 100, fwmark: 0x200, table: 2004, proto: 0 },
  );
  const table = ['10.250.0.2 dev wire_kube metric 200', 'throw 10.96.0.0/12 metric 200'];
  host.routes.push({ dst: '10.0.0.0/8', dev: 'eth0', table: 254, proto: 4 });
  await new SnatApplier(ipt).set([{ source: '10.250.0.0/16', destination: '10.100.0.0/16' }]);
  const files = new Set([KEY, ...AGENT_FILES]);
  const deps: CleanupDeps = {
    open: () => ({
      rules: host,
      link: host,
      iptables: ipt,
      listTable: async (t) => (t === 22347 ? [...table] : []),
      flushTable: async (t) => void (t === 22347 && table.splice(0)),
      close: () => undefined,
    }),
    exists: (p) => files.has(p),
    remove: async (p) => void files.delete(p),
    removeKey: async (p) => void files.delete(p),
  };
  return { host, ipt, table, files, deps };
}

async function cli(argv: string[], d: CleanupDeps) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { env: {}, out: (t) => (out += t), err: (t) => (err += t), nowMs: () => 0, cleanup: d });
  return { code, out, err };
}

describe('wirekubectl cleanup', () => {
  it('recognises WireKube rules by shape and priority or by protocol 87, nothing else', () => {
    assert.ok(isWireKubeRule({ priority: 100, fwmark: 0x574b, table: 254, proto: 0 }));
    assert.ok(isWireKubeRule({ priority: 150, to: '192.0.2.1/32', table: 254, proto: 3 }));
    assert.ok(isWireKubeRule({ priority: 200, table: 22347, proto: 0 }));
    assert.ok(isWireKubeRule({ priority: 4242, table: 22347, proto: 87 }));
    assert.ok(!isWireKubeRule({ priority: 100, fwmark: 0x200, table: 2004, proto: 0 }));
    assert.ok(!isWireKubeRule({ priority: 200, table: 254, proto: 0 }));
    assert.ok(!isWireKubeRule({ priority: 150, table: 254, proto: 0 }));
  });

  it('without --yes lists exactly what WireKube installed and changes nothing', async () => {
    const { host, ipt, table, files, deps } = await installedNode();
    const before = host.snapshot() + ipt.snapshot();
    const r = await cli(['cleanup'], deps);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.split('\n').filter(Boolean), [
      'Would remove (run again with --yes; stop the agent first):',
      '  ip rule add prio 100 fwmark 0x574b lookup main proto 0',
      '  ip rule add prio 150 to 192.0.2.1/32 lookup main proto 0',
      '  ip rule add prio 200 lookup 22347 proto 0',
      '  ip route del 10.250.0.2 dev wire_kube metric 200 table 22347',
      '  ip route del throw 10.96.0.0/12 metric 200 table 22347',
      '  iptables -t nat -A WIREKUBE-POSTROUTING -s 10.250.0.0/16 -d 10.100.0.0/16 -m comment --comment wirekube:68a88824c72f -j MASQUERADE',
      '  ip link del wire_kube',
      ...AGENT_FILES.map((f) => `  rm ${f}`),
      `  rm ${KEY}`,
    ]);
    assert.equal(host.snapshot() + ipt.snapshot(), before);
    assert.equal(table.length, 2);
    assert.equal(files.size, 4);
  });

  it('with --yes removes rules, the mesh table, SNAT, the link, agent files and the key, and leaves the rest', async () => {
    const { host, ipt, table, files, deps } = await installedNode();
    const r = await cli(['cleanup', '--yes', '--output=json'], deps);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.failed, []);
    assert.equal(j.removed.length, 3 + 2 + 1 + 1 + 4);
    assert.deepEqual(table, []);
    assert.deepEqual(files, new Set());
    assert.equal(host.snapshot([254, 22347]).split('\n').filter((l) => l.startsWith('ip ')).join('\n'), [
      'ip link set eth0 mtu 1500 down',
      'ip route add 10.0.0.0/8 dev eth0 table main proto 4',
      'ip rule add prio 100 fwmark 0x200 lookup 2004 proto 0',
      'ip rule add prio 9 fwmark 0x200 lookup 2004 proto 0',
    ].join('\n'));
    assert.ok(!ipt.snapshot().includes('wirekube'));
    const again = await cli(['cleanup', '--yes', '--keep-key'], deps);
    assert.equal(again.out, 'Nothing of WireKube was installed on this node.\n');
  });

  it('keeps the key with --keep-key and reports a step that fails without stopping the others', async () => {
    const { host, files, deps } = await installedNode();
    const broken: CleanupDeps = { ...deps, open: () => ({ ...deps.open(), flushTable: () => Promise.reject(new Error('Operation not permitted')) }) };
    const r = await cli(['cleanup', '--yes', '--keep-key'], broken);
    assert.equal(r.code, 1);
    assert.match(r.out, /Could not remove ip route del 10\.250\.0\.2 dev wire_kube metric 200 table 22347 \(\+1\): Operation not permitted/);
    assert.ok(files.has(KEY));
    assert.ok(!host.links.has('wire_kube'), 'later steps still ran');
    assert.equal(renderRoute({ dst: '10.0.0.0/8', dev: 'eth0', table: 254, proto: 4 }), 'ip route add 10.0.0.0/8 dev eth0 table main proto 4');
  });
});
