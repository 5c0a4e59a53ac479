import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { EpermSafeStats } from '@wirekube/wg';
import { UapiBackend } from '@wirekube/wg';
import { startWireguard, useLab } from '../../lab';
import { NetnsAgent } from '../host/netns-agent-client';

interface SendResult {
  sent: boolean;
  healthy: boolean;
  stats: EpermSafeStats;
}

async function waitFor(cond: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Code that must run inside the node's namespace (rtnetlink, iptables OUTPUT, sockets) runs in a
// netns-agent there; the test drives it and inspects from outside.
describe('wg: backend chain and EPERM-safe UDP inside a lab node', function () {
  this.timeout(30_000);
  const lab = useLab({ sites: [{ name: 'dc', nat: 'public', nodes: ['n'] }], services: [] });
  let agent: NetnsAgent;

  before(async () => {
    agent = await NetnsAgent.start(lab().host('n'));
  });
  after(async () => {
    await agent?.stop();
  });

  it('the chain finds no kernel WireGuard and starts wireguard-go, which serves UAPI', async () => {
    const host = lab().host('n');
    const opened = await agent.call<{ kind: string; pid?: number; kernelError?: string }>('wg.open', { iface: 'wire_kube' });
    assert.equal(opened.kind, 'userspace');
    assert.match(opened.kernelError ?? '', /kernel: the kernel has no WireGuard link type/);
    assert.ok(opened.pid && opened.pid > 0);
    const backend = new UapiBackend({ iface: 'wire_kube', socketDir: host.wgDir });
    try {
      const fresh = await backend.get();
      assert.deepEqual([fresh.privateKey, fresh.fwmark, fresh.peers], [undefined, 0, []], 'a fresh, unconfigured device');
    } finally {
      await backend.close();
    }
    assert.match((await host.exec(['ip', 'link', 'show', 'wire_kube'])).stdout, /wire_kube/);
    await agent.call('wg.stop');
    assert.equal(existsSync(host.wgSocket('wire_kube')), false);
  });

  it('adopts a wireguard-go that outlived the agent, and cleanup (deleting the link) ends it', async () => {
    const host = lab().host('n');
    const survivor = await startWireguard(host, { iface: 'wire_kube' }); // started by "an earlier agent"
    const opened = await agent.call<{ kind: string; pid?: number; kernelError?: string }>('wg.open', { iface: 'wire_kube' });
    assert.equal(opened.kind, 'userspace');
    assert.equal(opened.pid, undefined, 'adopted, not started');
    // The name exists (a TUN), so the kernel provider gets as far as generic netlink.
    assert.match(opened.kernelError ?? '', /family "wireguard" not registered/);
    await agent.call('host.cleanup', { link: 'wire_kube' });
    const exit = await Promise.race([survivor.proc.exited, new Promise((r) => setTimeout(() => r('still running'), 5000))]);
    assert.notEqual(exit, 'still running', 'wireguard-go exits when its interface is deleted');
    assert.equal(existsSync(host.wgSocket('wire_kube')), false);
  });

  it('survives EPERM from an OUTPUT-chain drop: re-creates on the same port, then delivers again', async () => {
    const host = lab().host('n');
    const { localPort, remotePort } = await agent.call<{ localPort: number; remotePort: number }>('udp.open');
    assert.equal((await agent.call<SendResult>('udp.send', { data: 'before' })).sent, true);

    const drop = ['OUTPUT', '-p', 'udp', '--dport', String(remotePort), '-j', 'DROP'];
    await host.exec(['iptables', '-A', ...drop]);
    let blocked: SendResult;
    try {
      blocked = await agent.call<SendResult>('udp.send', { data: 'blocked' });
      assert.equal(blocked.sent, false);
      assert.equal(blocked.stats.epermErrors, 1, 'the kernel returned EPERM');
      assert.equal(blocked.healthy, false, 'socket closed for re-creation');
      await waitFor(async () => (await agent.call<{ healthy: boolean }>('udp.state')).healthy, 'the socket is re-created');
      const still = await agent.call<SendResult>('udp.send', { data: 'still-blocked' });
      assert.equal(still.sent, false);
      assert.equal(still.stats.epermErrors, 2, 'the re-created socket (same port) still gets EPERM while the drop is there');
    } finally {
      await host.exec(['iptables', '-D', ...drop]);
    }

    let last: SendResult | undefined;
    const deadline = Date.now() + 5000;
    while (!last?.sent && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      last = await agent.call<SendResult>('udp.send', { data: 'after' });
    }
    assert.equal(last?.sent, true, JSON.stringify(last));
    assert.ok(last!.stats.recreations >= 1);
    assert.ok(last!.stats.epermErrors >= 2);
    let got: { data: string; port: number }[] = [];
    await waitFor(async () => (got = await agent.call('udp.received')).length >= 2, 'both datagrams arrived');
    assert.deepEqual(got.map((g) => g.data), ['before', 'after']);
    assert.deepEqual([...new Set(got.map((g) => g.port))], [localPort], 'same source port after re-creation');
  });
});
