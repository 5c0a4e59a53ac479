import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LabProcess } from '../../lab';
import { useLab } from '../../lab';
import { startLabStunServer, toolArgv, TOOL_ENV, E2E_ROOT } from './nat-tool-client';

// Real hole punching between lab NATs with libs/nat's planner and executor, one process per
// node. The test plays the relay: it swaps the two sides' candidates and NAT reports and names
// a common start time, as the relay's punch offer would.
interface Result {
  plan: { kind: string; reason: string; role?: string };
  won: boolean;
  remote?: { ip: string; port: number };
  local?: { ip: string; port: number };
  sent?: number;
  ms: number;
}

const STUN_PORT = 3478;

describe('lab: hole punching and the birthday attack through real NATs', function () {
  this.timeout(60_000);
  const lab = useLab({
    sites: [
      { name: 'home', nat: 'port-restricted', nodes: ['a'] },
      { name: 'office', nat: 'port-restricted', nodes: ['b'] },
      { name: 'seq', nat: 'symmetric-sequential', nodes: ['s'] },
      { name: 'cgn', nat: 'symmetric', nodes: ['r'] },
    ],
    services: ['stun'],
  });
  let stun: LabProcess;
  let dir: string;
  before(async () => {
    stun = await startLabStunServer(lab().host('stun'), STUN_PORT);
  });
  after(async () => {
    await stun?.stop();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wk-punch-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function punch(x: string, y: string, birthday: boolean): Promise<[Result, Result]> {
    const server = `${lab().host('stun').addrs[0]}:${STUN_PORT}`;
    const procs = [x, y].map((n) => lab().host(n).spawn(toolArgv('punch', dir, n, server, lab().host(n).addr), { name: `punch-${n}`, cwd: E2E_ROOT, env: TOOL_ENV }));
    const sideFile = (n: string) => join(dir, `${n}.side.json`);
    // A side file may exist before its writer finished: wait until both parse.
    const readSide = (n: string): unknown => {
      try {
        return existsSync(sideFile(n)) ? JSON.parse(readFileSync(sideFile(n), 'utf8')) : undefined;
      } catch {
        return undefined;
      }
    };
    for (let i = 0; i < 300 && ![x, y].every((n) => readSide(n) !== undefined); i++) await new Promise((r) => setTimeout(r, 50));
    const token = randomBytes(16).toString('hex');
    const startAtMs = Date.now() + 300;
    for (const [me, peer] of [[x, y], [y, x]] as const) {
      // Written atomically: the tool polls for the file and reads it as soon as it appears.
      writeFileSync(join(dir, `${me}.peer.json.tmp`), JSON.stringify({ side: readSide(peer), token, startAtMs, birthday }));
      renameSync(join(dir, `${me}.peer.json.tmp`), join(dir, `${me}.peer.json`));
    }
    const results = await Promise.all(procs.map(async (p) => JSON.parse((await p.waitForOutput(/^result (.*)$/, 30_000))[1]!) as Result));
    return results as [Result, Result];
  }

  it('punches directly between two port-restricted cones', async () => {
    const [a, b] = await punch('a', 'b', false);
    assert.equal(a.plan.kind, 'direct', a.plan.reason);
    assert.ok(a.won && b.won, JSON.stringify({ a, b }));
    assert.deepEqual(a.remote, { ip: lab().site('office').wanAddr, port: 51822 });
    assert.deepEqual(b.remote, { ip: lab().site('home').wanAddr, port: 51822 });
  });

  it('reaches a sequential symmetric NAT through predicted ports', async () => {
    const [a, s] = await punch('a', 's', false);
    assert.match(a.plan.reason, /sequential \(delta 1\); punching predicted ports/);
    assert.ok(a.won && s.won, JSON.stringify({ a, s }));
    assert.notEqual(a.remote?.port, 51822, 'the symmetric side got a fresh port for this peer');
  });

  it('wins a birthday attack between a port-restricted cone and a random symmetric NAT', async () => {
    const [a, r] = await punch('a', 'r', true);
    assert.equal(a.plan.role, 'many-ports', a.plan.reason);
    assert.equal(r.plan.role, 'many-sockets');
    assert.ok(a.won && r.won, JSON.stringify({ a, r }));
    assert.deepEqual(r.remote, { ip: lab().site('home').wanAddr, port: 51822 });
    assert.notEqual(r.local?.port, 51822, 'the winner is one of the extra sockets');
    console.log(`      birthday: won after ${a.sent} probes from the cone, ${r.sent} from the symmetric side, ${Math.max(a.ms, r.ms)} ms`);
  });
});
