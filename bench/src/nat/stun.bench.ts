// STUN figures, side by side in one run:
//   1. codec: encode a Binding request (+FINGERPRINT); decode a full RFC 5780 success response
//      (XOR-MAPPED, MAPPED, RESPONSE-ORIGIN, OTHER-ADDRESS, SOFTWARE, FINGERPRINT); decode a
//      classic RFC 3489 request — operations per second on one core.
//   2. StunServer.handle() alone (decode + answer + encode, send is a no-op): responses/s.
//   3. StunServer on a real UDP socket on loopback, one core for the server, a load generator in a
//      child process keeping a window of requests in flight: responses/s and server CPU per reply.
// Run from the repo root: npx tsx --tsconfig bench/tsconfig.json bench/src/nat/stun.bench.ts [seconds]
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import {
  BINDING_METHOD,
  bindingRequest,
  decodeStun,
  encodeStun,
  MAGIC_COOKIE,
  openDgramPort,
  StunClass,
  StunServer,
  type UdpPort,
} from '@wirekube/nat';

const SECONDS = Number(process.argv[2] ?? 3);
const tid = Buffer.from('0102030405060708090a0b0c', 'hex');

function opsPerSec(f: () => unknown, ms = 1000 * Math.min(SECONDS, 2)): number {
  for (let i = 0; i < 20_000; i++) f(); // warm up the JIT
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 1000; i++) f();
    n += 1000;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

const request = bindingRequest({ transactionId: tid });
const response = encodeStun(
  {
    method: BINDING_METHOD,
    cls: StunClass.SuccessResponse,
    cookie: MAGIC_COOKIE,
    transactionId: tid,
    attributes: [
      { kind: 'xor-mapped-address', address: { ip: '203.0.113.7', port: 40000 } },
      { kind: 'mapped-address', address: { ip: '203.0.113.7', port: 40000 } },
      { kind: 'response-origin', address: { ip: '198.51.100.1', port: 3478 } },
      { kind: 'other-address', address: { ip: '198.51.100.2', port: 3479 } },
      { kind: 'software', text: 'wirekube' },
    ],
  },
  { fingerprint: true },
);
const classic = encodeStun(bindingRequest({ transactionId: tid, classicCookie: 0x01020304, changeIp: true, changePort: true }));

/** A UdpPort that drops what it sends: isolates the server's own cost. */
function nullPort(ip: string, port: number): UdpPort {
  return { local: { ip, port }, send: () => Promise.resolve(), onMessage: () => () => {}, close: () => Promise.resolve() };
}

// The load generator runs in its own process (the other core): it keeps WINDOW requests in
// flight and counts answers, so the server's core does nothing but serve.
const CLIENT = `
const dgram = require('node:dgram');
const [port, seconds, window] = process.argv.slice(1).map(Number);
const req = Buffer.from(${JSON.stringify(encodeStun(request, { fingerprint: true }).toString('hex'))}, 'hex');
const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
let got = 0, counting = false;
s.on('message', () => { if (counting) got++; s.send(req, port, '127.0.0.1'); });
s.bind(0, '127.0.0.1', () => {
  for (let i = 0; i < window; i++) s.send(req, port, '127.0.0.1');
  // Lost datagrams would shrink the window: top it up every 10 ms.
  setInterval(() => { for (let i = 0; i < 8; i++) s.send(req, port, '127.0.0.1'); }, 10);
  setTimeout(() => { counting = true; }, 500);
  setTimeout(() => { process.stdout.write(String(got / seconds)); process.exit(0); }, 500 + seconds * 1000);
});`;

async function serverOverUdp(): Promise<{ rps: number; cpuUsPerReply: number }> {
  const port = await openDgramPort({ ip: '127.0.0.1', recvBufferSize: 8 << 20 });
  const server = new StunServer({ sockets: { primary: port }, software: 'bench' });
  server.start();
  const child = spawn(process.execPath, ['-e', CLIENT, String(port.local.port), String(SECONDS), '64'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((r) => setTimeout(r, 500));
  const c0 = process.cpuUsage();
  const r0 = server.stats.responses;
  await new Promise((r) => child.on('exit', r));
  const cpu = process.cpuUsage(c0);
  const replies = server.stats.responses - r0;
  server.stop();
  await port.close();
  return { rps: Number(out), cpuUsPerReply: (cpu.user + cpu.system) / replies };
}

async function main(): Promise<void> {
  const rows: [string, string][] = [];
  const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US')} /s`;
  rows.push(['codec: encode Binding request + FINGERPRINT', fmt(opsPerSec(() => encodeStun(request, { fingerprint: true })))]);
  rows.push(['codec: decode RFC 5780 success response (6 attrs, CRC checked)', fmt(opsPerSec(() => decodeStun(response)))]);
  rows.push(['codec: decode classic RFC 3489 request', fmt(opsPerSec(() => decodeStun(classic)))]);
  const inproc = new StunServer({
    sockets: { primary: nullPort('198.51.100.1', 3478), altPort: nullPort('198.51.100.1', 3479), altIp: nullPort('198.51.100.2', 3478), altBoth: nullPort('198.51.100.2', 3479) },
    software: 'bench',
  });
  const wire = encodeStun(request, { fingerprint: true });
  const from = { ip: '203.0.113.9', port: 40000 };
  rows.push(['server: handle() in process (decode+answer+encode)', fmt(opsPerSec(() => inproc.handle('primary', wire, from)))]);
  const udp = await serverOverUdp();
  rows.push(['server: real UDP on loopback, one core', `${fmt(udp.rps)}  (${udp.cpuUsPerReply.toFixed(1)} µs server CPU per reply)`]);
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`STUN benchmarks (node ${process.version}, ${SECONDS}s UDP run)`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
}

void main();
