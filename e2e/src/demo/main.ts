// The one-command local mesh demo (run as root through `sudo bash tools/demo.sh`):
//   npx tsx e2e/src/demo/main.ts           bring the mesh up, print results, run until Ctrl-C
//   npx tsx e2e/src/demo/main.ts --once    the same, then tear down and exit (0 = all pairs ping)
//   npx tsx e2e/src/demo/main.ts down      remove a demo left behind by a crashed run
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sweepLeftovers } from '../lab';
import { runDemo } from './demo';
import { unreachablePairs } from './matrix';

const REPO = resolve(__dirname, '../../..');
const OUT_DIR = '/tmp/wirekube-demo';

async function main(args: string[]): Promise<number> {
  if (args.includes('down')) {
    const swept = await sweepLeftovers();
    process.stdout.write(swept.length ? `removed leftover lab runs: ${swept.join(', ')}\n` : 'nothing left behind\n');
    return 0;
  }
  const unknown = args.filter((a) => a !== '--once');
  if (unknown.length) {
    process.stderr.write(`usage: main.ts [--once | down]; unknown argument ${unknown[0]}\n`);
    return 2;
  }
  const agentBin = join(REPO, 'apps/agent/bin/wirekube-agent');
  if (!existsSync(join(REPO, 'apps/agent/dist/main.js'))) {
    process.stderr.write('the apps are not built: run `bash tools/demo.sh` (it builds them first)\n');
    return 2;
  }
  const demo = await runDemo({ agentBin, outDir: OUT_DIR, print: (t) => process.stdout.write(`${t}\n`) });
  const failing = unreachablePairs(demo.names, demo.matrix);
  if (args.includes('--once')) {
    await demo.down();
    return failing.length === 0 ? 0 : 1;
  }
  process.stdout.write('\nthe mesh keeps running; press Ctrl-C to tear everything down\n');
  // The lab's own signal hooks (installed first, so they run first) kill every process and remove
  // the namespaces synchronously; this one only reports it and ends the process.
  return new Promise((done) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        process.stdout.write(`\n${sig}: every demo process stopped and the lab removed\n`);
        done(130);
      });
    }
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
