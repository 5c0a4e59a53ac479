import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { daemonRestartCounter, epermCounter, instrumentBackend } from './metrics';
import { FakeWireGuardBackend } from './testing';

describe('metrics decorators', () => {
  it('times backend calls and counts failures without changing results', async () => {
    const registry = new Registry();
    const fake = new FakeWireGuardBackend();
    const b = instrumentBackend(fake, registry);
    await b.set({ listenPort: 5, peers: [] });
    assert.equal((await b.get()).listenPort, 5);
    fake.failNextSet = 'boom';
    await assert.rejects(b.set({ peers: [] }), /boom/);
    const text = await registry.metrics();
    assert.match(text, /wirekube_wg_backend_seconds_count\{op="get",kind="fake"\} 1/);
    assert.match(text, /wirekube_wg_backend_seconds_count\{op="set",kind="fake"\} 2/);
    assert.match(text, /wirekube_wg_backend_errors_total\{op="set",kind="fake"\} 1/);
  });

  it('counts EPERMs per socket and daemon restarts, sharing one metric per registry', async () => {
    const registry = new Registry();
    const relay = epermCounter(registry, 'relay-proxy');
    epermCounter(registry, 'stun');
    relay();
    relay();
    daemonRestartCounter(registry)();
    const text = await registry.metrics();
    assert.match(text, /wirekube_udp_eperm_total\{socket="relay-proxy"\} 2/);
    assert.match(text, /wirekube_udp_eperm_total\{socket="stun"\} 0/);
    assert.match(text, /wirekube_wg_daemon_restarts_total 1/);
  });
});
