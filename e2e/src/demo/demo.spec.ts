import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleAgent } from '../suites/agent/mesh-lab';
import { runDemo, type Demo } from './demo';
import { unreachablePairs } from './matrix';

/**
 * The README's demo command, non-interactively: the same core as `sudo bash tools/demo.sh --once`
 * must converge, print the peer table, and every node must ping every other over WireGuard.
 */
describe('demo: the one-command local mesh', function () {
  this.timeout(180_000);
  let demo: Demo | undefined;
  let out = '';
  const printed: string[] = [];
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    out = mkdtempSync(join(tmpdir(), 'wk-demo-'));
  });
  after(async () => {
    await demo?.down();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('converges, prints peers, graph and kubeconfig, and every pair pings', async () => {
    demo = await runDemo({ agentBin: await bundleAgent(), outDir: out, print: (t) => printed.push(t) });
    assert.deepEqual(unreachablePairs(demo.names, demo.matrix), []);
    const text = printed.join('\n');
    assert.match(text, new RegExp(`${demo.names.length}/${demo.names.length} peers connected`));
    for (const n of demo.names) assert.match(text, new RegExp(`\\b${n}\\b`));
    assert.match(text, /symmetric/);
    assert.match(text, new RegExp(`export KUBECONFIG=${demo.kubeconfig}`));
    assert.ok(existsSync(demo.graphPath));
    assert.match(readFileSync(demo.graphPath, 'utf8'), /^<svg|<svg /);
    assert.match(text, /status: ready=true activePeer=gw1/);
    assert.match(text, /VPC host db \([\d.]+, not a mesh member\) pinged through gw1: (\S+ ok(, )?)+$/m);
  });
});
