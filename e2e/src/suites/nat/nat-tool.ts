// The libs/nat side of the NAT lab suites, run inside lab namespaces as its own process:
//   node -r tsx/cjs nat-tool.ts serve <ipA> <ipB> <port> <altPort>     RFC 5780 STUN server
//   node -r tsx/cjs nat-tool.ts discover <ip:port>[,<ip:port>...]     prints "report <json>"
//   node -r tsx/cjs nat-tool.ts ping <ip:port>                         exits 0 once a server answers
//   node -r tsx/cjs nat-tool.ts grpc-probe <host:port>                 StunProbe.Probe, prints "report <json>"
//   node -r tsx/cjs nat-tool.ts grpc-watch <host:port>                 first WatchNat report, "report <json>"
//   node -r tsx/cjs nat-tool.ts punch <dir> <name> <stun ip:port> <host ip>
// `punch` discovers its NAT from port 51822, writes <dir>/<name>.side.json (its PunchSide), waits
// for <dir>/<name>.peer.json ({ side, token, startAtMs, birthday }) written by the test, then
// plans, punches from port 51822 and prints "result <json>". Coordination through files stands
// in for the relay's punch offer; both processes share the machine's clock.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { bindingRequest, discoverNat, executePunch, newTransactionId, stunTransaction, gatherCandidates, openDgramPort, parseAddress, planPunch, StunServer, type PunchSide, type TransportAddress } from '@wirekube/nat';
import { cryptoRng, systemClock } from '@wirekube/util';
import { NatReport, StunProbeClient, type ProbeResponse } from '@wirekube/proto';
import { credentials } from '@grpc/grpc-js';

const localAddresses = () => Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((a) => a.address));

function addr(text: string): TransportAddress {
  const a = parseAddress(text);
  if (!a) throw new Error(`not ip:port: ${text}`);
  return a;
}

async function serve([ipA, ipB, port, alt]: string[]): Promise<void> {
  const p = Number(port);
  const a = Number(alt);
  const [primary, altPort, altIp, altBoth] = await Promise.all([
    openDgramPort({ ip: ipA, port: p }),
    openDgramPort({ ip: ipA, port: a }),
    openDgramPort({ ip: ipB, port: p }),
    openDgramPort({ ip: ipB, port: a }),
  ]);
  const server = new StunServer({ sockets: { primary: primary!, altPort: altPort!, altIp: altIp!, altBoth: altBoth! }, software: 'wirekube-lab' });
  server.start();
  console.log('listening');
  process.on('SIGTERM', () => {
    console.log(`stats ${JSON.stringify(server.stats)}`);
    process.exit(0);
  });
}

async function discover([servers, localPort]: string[]): Promise<void> {
  const report = await discoverNat({
    servers: servers!.split(',').map(addr),
    open: openDgramPort,
    clock: systemClock,
    rng: cryptoRng,
    localPort: Number(localPort ?? 0),
    localAddresses,
  });
  console.log(`report ${JSON.stringify(report)}`);
}

async function ping([server]: string[]): Promise<void> {
  const port = await openDgramPort();
  try {
    for (let i = 0; i < 50; i++) {
      const reply = await stunTransaction(port, addr(server!), bindingRequest({ transactionId: newTransactionId(cryptoRng) }), systemClock, { timeoutMs: 200 });
      if (reply) return;
    }
    throw new Error(`no STUN answer from ${server} within 10 s`);
  } finally {
    await port.close();
  }
}

async function grpcProbe([address]: string[]): Promise<void> {
  const client = new StunProbeClient(address!, credentials.createInsecure());
  const res = await new Promise<ProbeResponse>((resolve, reject) =>
    client.probe({ servers: [], timeoutMs: 0, localPort: 0, allocationSamples: 0 }, (err, r) => (err ? reject(err) : resolve(r))),
  );
  console.log(`report ${JSON.stringify(NatReport.toJSON(res.report!))}`);
  client.close();
}

async function grpcWatch([address]: string[]): Promise<void> {
  const client = new StunProbeClient(address!, credentials.createInsecure());
  const call = client.watchNat({ intervalMs: 0 });
  const first = await new Promise<NatReport>((resolve, reject) => {
    call.once('data', resolve);
    call.once('error', reject);
  });
  console.log(`report ${JSON.stringify(NatReport.toJSON(first))}`);
  process.exit(0);
}

async function punch([dir, name, stun, hostIp]: string[]): Promise<void> {
  const nat = await discoverNat({ servers: [addr(stun!)], open: openDgramPort, clock: systemClock, rng: cryptoRng, localPort: 51822, localAddresses });
  const side: PunchSide = { nat, candidates: gatherCandidates(nat, [{ ip: hostIp!, port: 51822 }]) };
  writeFileSync(join(dir!, `${name}.side.json`), JSON.stringify(side));
  const peerFile = join(dir!, `${name}.peer.json`);
  while (!existsSync(peerFile)) await systemClock.sleep(20);
  const peer = JSON.parse(readFileSync(peerFile, 'utf8')) as { side: PunchSide; token: string; startAtMs: number; birthday: boolean };
  const plan = planPunch(side, peer.side, cryptoRng, { birthday: peer.birthday });
  const port = await openDgramPort({ port: 51822 });
  const started = Date.now();
  const win = await executePunch(plan, { port, open: openDgramPort, token: Buffer.from(peer.token, 'hex'), clock: systemClock, startAtMs: peer.startAtMs });
  const summary = plan.kind === 'relay' ? plan : { ...plan, targets: plan.targets.length };
  console.log(`result ${JSON.stringify({ plan: summary, nat: { type: nat.type, allocation: nat.allocation }, won: !!win, remote: win?.remote, local: win?.port.local, sent: win?.sent, ms: Date.now() - started })}`);
  process.exit(0);
}

const [command, ...args] = process.argv.slice(2);
const commands: Record<string, (a: string[]) => Promise<void>> = { serve, discover, ping, punch, 'grpc-probe': grpcProbe, 'grpc-watch': grpcWatch };
const run = commands[command ?? ''];
if (!run) {
  console.error(`usage: nat-tool.ts serve|discover|ping|punch|grpc-probe|grpc-watch ...`);
  process.exit(2);
}
run(args).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
