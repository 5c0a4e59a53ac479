// Lab bring-up / tear-down benchmark: 3 sites × 2 nodes + services (stun, relay, api), the size
// most e2e scenarios use, measured side by side with the same topology plus wireguard-go on every
// node, and the per-command cost of entering a node (private mount namespace + netns) against a
// plain `ip netns exec`. Targets: up ≤ 5 s, down ≤ 3 s.
// Run as root from the repo root: npx tsx --tsconfig bench/tsconfig.json bench/src/lab/bring-up.bench.ts [rounds]
import { performance } from 'node:perf_hooks';
import { Lab, type TopologySpec, startWireguard } from '@wirekube/lab';
import { run } from './run';

const SPEC: TopologySpec = {
  sites: [
    { name: 'home', nat: 'port-restricted', nodes: ['a1', 'a2'] },
    { name: 'office', nat: 'symmetric-sequential', nodes: ['b1', 'b2'] },
    { name: 'mobile', nat: 'port-restricted', carrier: 'symmetric', nodes: ['c1', 'c2'] },
  ],
};

interface Row {
  name: string;
  samples: number[];
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)]!;
  return `median ${med.toFixed(1).padStart(7)} ms   min ${s[0]!.toFixed(1).padStart(7)}   max ${s[s.length - 1]!.toFixed(1).padStart(7)}`;
}

async function time<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await f();
  return [performance.now() - t0, v];
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const rows: Row[] = ['up', 'down', 'up + wireguard-go ×6', 'down with wireguard-go ×6', 'node exec (unshare+mount+netns)', 'plain ip netns exec'].map((name) => ({ name, samples: [] }));
  const [up, down, upWg, downWg, nodeExec, plainExec] = rows as [Row, Row, Row, Row, Row, Row];
  for (let i = 0; i < rounds; i++) {
    const [tUp, lab] = await time(() => Lab.up(SPEC));
    up.samples.push(tUp);
    for (let j = 0; j < 5; j++) {
      nodeExec.samples.push((await time(() => lab.host('a1').exec(['true'])))[0]);
      plainExec.samples.push((await time(() => run(['ip', 'netns', 'exec', lab.host('a1').netns, 'true'])))[0]);
    }
    down.samples.push((await time(() => lab.down()))[0]);

    const [tUpWg, lab2] = await time(async () => {
      const l = await Lab.up(SPEC);
      await Promise.all(l.nodes.map((n, k) => startWireguard(n, { address: `10.99.0.${k + 1}/24` })));
      return l;
    });
    upWg.samples.push(tUpWg);
    downWg.samples.push((await time(() => lab2.down()))[0]);
  }
  console.log(`lab bring-up/tear-down, 3 sites × 2 nodes + stun/relay/api (${rounds} rounds, ${new Date().toISOString()})`);
  for (const r of rows) console.log(`  ${r.name.padEnd(34)} ${stats(r.samples)}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
