// WireGuard (wireguard-go) through the relay vs direct, alone (the last part of relay.bench.ts), with
// a CPU and counter profile of every run. Needs root.
// Run from the repo root: npx tsx --tsconfig bench/tsconfig.json bench/src/relay/wg.bench.ts [seconds] [rounds] [iperf3 args...]
//   e.g. `... wg.bench.ts 5 3 -P 4` or `... wg.bench.ts 5 2 -u -b 300M -l 1300`
import { formatComparison, wireguardDirectVsRelay } from './wg-over-relay';

const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = Number(process.argv[3] ?? 3);
const IPERF_ARGS = process.argv.slice(4);
/** Extra node flags for the relay and the proxies, e.g. WK_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const NODE_FLAGS = (process.env.WK_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

void wireguardDirectVsRelay(SECONDS, { rounds: ROUNDS, iperfArgs: IPERF_ARGS, nodeFlags: NODE_FLAGS }).then(
  (c) => {
    console.log(formatComparison(c, SECONDS));
    process.exit(0);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
