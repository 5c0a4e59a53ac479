import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { seededRng } from '@wirekube/util';
import { FakeClock } from '@wirekube/util/testing';
import { BackendUnavailableError } from '../backend';
import type { ChildLike } from './supervisor';
import { WireguardGoSupervisor, WireGuardGoStartError } from './supervisor';

class FakeChild extends EventEmitter implements ChildLike {
  readonly signals: string[] = [];
  constructor(
    readonly pid: number,
    private readonly ignoreTerm = false,
  ) {
    super();
  }
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.signals.push(signal);
    if (signal === 'SIGKILL' || !this.ignoreTerm) queueMicrotask(() => this.emit('exit', null, signal));
    return true;
  }
}

function rig(opts: { ignoreTerm?: boolean; spawnError?: string } = {}) {
  const clock = new FakeClock(0);
  const children: FakeChild[] = [];
  const argvs: string[][] = [];
  let serving = false;
  let restarted = 0;
  const sup = new WireguardGoSupervisor({
    iface: 'wk0',
    socketDir: '/x',
    clock,
    rng: seededRng(1),
    wrap: (argv) => ['ip', 'netns', 'exec', 'n1', ...argv],
    restartBackoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
    env: { LOG_LEVEL: 'silent' },
    spawn: (argv, env) => {
      assert.equal(env.WG_PROCESS_FOREGROUND, '1');
      assert.equal(env.LOG_LEVEL, 'silent');
      argvs.push(argv);
      const c = new FakeChild(1000 + children.length, opts.ignoreTerm);
      children.push(c);
      if (opts.spawnError) queueMicrotask(() => c.emit('error', Object.assign(new Error('spawn'), { code: opts.spawnError })));
      return c;
    },
    socketReady: async () => serving,
    onRestart: () => restarted++,
  });
  return { clock, sup, children, argvs, serve: (v: boolean) => (serving = v), restarted: () => restarted };
}

describe('WireguardGoSupervisor', () => {
  it('starts in the foreground and resolves once the UAPI socket serves', async () => {
    const r = rig();
    const started = r.sup.start();
    await r.clock.advance(100);
    r.serve(true);
    await r.clock.advance(25);
    await started;
    assert.deepEqual(r.argvs, [['ip', 'netns', 'exec', 'n1', 'wireguard-go', 'wk0']]);
    assert.equal(r.sup.pid, 1000);
    assert.equal(r.sup.uapiSocket, '/x/wk0.sock');
  });

  it('restarts with backoff after a crash and reports it', async () => {
    const r = rig();
    r.serve(true);
    await r.sup.start();
    r.serve(false);
    r.children[0].emit('exit', 2, null);
    await r.clock.advance(99);
    assert.equal(r.children.length, 1, 'waits for the backoff');
    await r.clock.advance(1);
    assert.equal(r.children.length, 2);
    r.serve(true);
    await r.clock.advance(25);
    assert.equal(r.restarted(), 1);
    assert.equal(r.sup.restarts, 1);
    assert.equal(r.sup.pid, 1001);
  });

  it('stops with SIGTERM and escalates to SIGKILL after the grace period', async () => {
    const r = rig({ ignoreTerm: true });
    r.serve(true);
    await r.sup.start();
    const stopped = r.sup.stop();
    await r.clock.advance(2999);
    assert.deepEqual(r.children[0].signals, ['SIGTERM']);
    await r.clock.advance(1);
    await stopped;
    assert.deepEqual(r.children[0].signals, ['SIGTERM', 'SIGKILL']);
    await r.clock.advance(10_000);
    assert.equal(r.children.length, 1, 'no restart after stop');
  });

  it('reports a missing binary as unavailable and an early exit as a start error', async () => {
    const missing = rig({ spawnError: 'ENOENT' });
    const failed = assert.rejects(missing.sup.start(), BackendUnavailableError);
    await missing.clock.advance(25);
    await failed;
    const r = rig();
    const started = r.sup.start();
    r.children[0].emit('exit', 1, null);
    await r.clock.advance(25);
    await assert.rejects(started, (e: unknown) => e instanceof WireGuardGoStartError && /code 1/.test(e.message));
  });

  it('gives up a start that never serves and kills the process', async () => {
    const r = rig();
    const started = r.sup.start();
    const check = assert.rejects(started, /within 5000 ms/);
    await r.clock.advance(5100);
    await check;
    assert.deepEqual(r.children[0].signals, ['SIGKILL']);
  });
});
