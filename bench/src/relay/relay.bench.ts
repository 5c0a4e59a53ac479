// Relay figures, side by side in one run:
//   1. The relay alone on one core (taskset -c 0), fed by raw loopback TCP senders in this process:
//      forwarded datagram throughput with 1380-byte and 200-byte frames (target ≥ 4 Gbit/s at 1380 B).
//   2. RSS of a relay holding 10 000 idle sessions (control stream + registered data connection
//      each; target ≤ 300 MB).
//   3. WireGuard (wireguard-go) throughput with iperf3 between two lab nodes, direct vs through the
//      relay and the agent-side proxies, same lab, same run (target ratio ≥ 0.75). Needs root.
// Run from the repo root: npx tsx --tsconfig bench/tsconfig.json bench/src/relay/relay.bench.ts [seconds] [sessions]
import { FrameType, addressedFrameBytes, encodeAddressed, generateRawKeyPair } from '@wirekube/relay-core';
import { bundleRelay, controlClient, rawPeer, startRelayProcess, type RawPeer } from './relay-process';
import { formatComparison, wireguardDirectVsRelay } from './wg-over-relay';

const SECONDS = Number(process.argv[2] ?? 4);
const SESSIONS = Number(process.argv[3] ?? 10_000);
const PAIRS = 4;

async function throughput(frameBytes: number): Promise<{ gbps: number; mpps: number; relayCpu: number }> {
  const relay = await startRelayProcess({ cpu: 0, flags: ['--queue-bytes=4194304', '--queue-frames=16384'] });
  const client = controlClient(relay);
  try {
    const pairs: Array<[RawPeer, RawPeer]> = [];
    for (let i = 0; i < PAIRS; i++) {
      const rx = await rawPeer(relay, client, generateRawKeyPair());
      const tx = await rawPeer(relay, client, generateRawKeyPair());
      pairs.push([tx, rx]);
    }
    let received = 0;
    for (const [, rx] of pairs) rx.sock.on('data', (c: Buffer) => (received += c.length));
    let running = true;
    for (const [tx, rx] of pairs) {
      const frame = encodeAddressed(FrameType.Send, rx.keys.publicKey, Buffer.alloc(frameBytes, 0x5a));
      const burst = Buffer.concat(Array.from({ length: Math.ceil((256 * 1024) / frame.length) }, () => frame));
      const pump = () => {
        while (running && tx.sock.write(burst));
      };
      tx.sock.on('drain', pump);
      pump();
    }
    await new Promise((r) => setTimeout(r, 1000));
    const r0 = received;
    const c0 = relay.cpuSeconds();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const secs = (performance.now() - t0) / 1000;
    const frames = (received - r0) / addressedFrameBytes(frameBytes);
    const relayCpu = (relay.cpuSeconds() - c0) / secs;
    running = false;
    for (const [tx, rx] of pairs) {
      tx.sock.destroy();
      rx.sock.destroy();
      tx.session.close();
      rx.session.close();
    }
    return { gbps: (frames * frameBytes * 8) / secs / 1e9, mpps: frames / secs / 1e6, relayCpu };
  } finally {
    client.close();
    await relay.stop();
  }
}

async function idleSessions(n: number, nodeFlags: string[]): Promise<{ baseMiB: number; rssMiB: number; perSessionKiB: number; seconds: number }> {
  const relay = await startRelayProcess({ nodeFlags, flags: ['--max-pending-handshakes=8192', '--handshake-timeout=60s'] });
  const clients = Array.from({ length: Math.ceil(n / 500) }, () => controlClient(relay));
  const peers: RawPeer[] = [];
  try {
    await new Promise((r) => setTimeout(r, 500));
    const baseMiB = relay.rssMiB();
    const t0 = performance.now();
    const watch = [generateRawKeyPair().publicKey];
    for (let i = 0; i < n; i += 250) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(250, n - i) }, (_, j) => rawPeer(relay, clients[Math.floor((i + j) / 500)]!, generateRawKeyPair(), watch)),
      );
      peers.push(...batch);
    }
    const seconds = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    const rssMiB = relay.rssMiB();
    return { baseMiB, rssMiB, perSessionKiB: ((rssMiB - baseMiB) * 1024) / n, seconds };
  } finally {
    for (const p of peers) {
      p.sock.destroy();
      p.session.close();
    }
    for (const c of clients) c.close();
    await relay.stop();
  }
}

async function main(): Promise<void> {
  const fmt = (n: number, d = 2) => n.toFixed(d);
  bundleRelay();
  const big = await throughput(1380);
  const small = await throughput(200);
  console.log(`relay alone, one core (taskset -c 0), ${PAIRS} sender→receiver pairs over loopback TCP, ${SECONDS}s each`);
  console.log(`  frame   datagram Gbit/s   Mframes/s   relay CPU (cores)   Gbit/s per relay CPU-second`);
  for (const [label, r] of [['1380 B', big], [' 200 B', small]] as const) {
    console.log(`  ${label}  ${fmt(r.gbps).padStart(15)}   ${fmt(r.mpps, 3).padStart(9)}   ${fmt(r.relayCpu).padStart(17)}   ${fmt(r.gbps / r.relayCpu).padStart(10)}`);
  }
  console.log('  target: ≥ 4 Gbit/s of 1380-byte frames on one core');
  console.log(`idle sessions: ${SESSIONS}, each a control stream (500 per HTTP/2 connection) + a registered data connection; target ≤ 300 MB`);
  for (const nodeFlags of [[], ['--max-semi-space-size=2']]) {
    const idle = await idleSessions(SESSIONS, nodeFlags);
    console.log(
      `  node ${(nodeFlags.join(' ') || '(default heap)').padEnd(26)} relay RSS ${fmt(idle.rssMiB, 0)} MiB (empty ${fmt(idle.baseMiB, 0)} MiB, ${fmt(idle.perSessionKiB, 1)} KiB/session), opened in ${fmt(idle.seconds, 1)}s`,
    );
  }
  if (process.getuid?.() === 0) {
    console.log(formatComparison(await wireguardDirectVsRelay(SECONDS), SECONDS));
  } else {
    console.log('wireguard direct vs relay: skipped (needs root for the lab)');
  }
}

void main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
