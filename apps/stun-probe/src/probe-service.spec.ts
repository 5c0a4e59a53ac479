import assert from 'node:assert/strict';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { NatDependence, NatType, StunProbeClient, StunProbeService, type NatReport, type ProbeResponse } from '@wirekube/proto';
import { GrpcServer } from '@wirekube/runtime';
import { bindingRequest, decodeStun, encodeStun, findAttribute, openDgramPort, readBindingResult } from '@wirekube/nat';
import { cryptoRng, nullLogger, systemClock } from '@wirekube/util';
import { trace } from '@opentelemetry/api';
import { probeMetrics, stunServerMetrics } from './metrics';
import { stunProbeService } from './probe-service';
import { probeNat } from './prober';
import { serveStun, type RunningStun } from './serve';

// Fixed STUN ports (the grid needs the same port number on both IPs), spread by PID so parallel
// runs on one machine do not collide.
const P = 20000 + (process.pid % 20000) * 2;

describe('stun-probe service (real gRPC and UDP on loopback)', function () {
  this.timeout(15_000);
  let stun: RunningStun;
  let grpc: GrpcServer;
  let client: StunProbeClient;
  let registry: Registry;
  const shutdown = new AbortController();

  before(async () => {
    stun = await serveStun({ ips: ['127.0.0.1', '127.0.0.2'], port: P, altPort: P + 1, software: 'test', logger: nullLogger });
    registry = new Registry();
    stunServerMetrics(registry, () => stun.server.stats);
    grpc = new GrpcServer({ logger: nullLogger, tracer: trace.getTracer('test') });
    grpc.addService('wirekube.v1.StunProbe', StunProbeService, {
      ...stunProbeService({
        probe: (p) => probeNat(p, { clock: systemClock, rng: cryptoRng, localAddresses: () => ['127.0.0.1'] }),
        defaults: { servers: [`127.0.0.1:${P}`], timeoutMs: 2000, allocationSamples: 3, intervalMs: 60_000 },
        clock: systemClock,
        interfaceChanges: () => () => {},
        logger: nullLogger,
        metrics: probeMetrics(registry),
        shuttingDown: shutdown.signal,
      }),
    });
    const port = await grpc.listen('127.0.0.1:0');
    client = new StunProbeClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    shutdown.abort();
    await grpc?.shutdown({ drainMs: 0, graceMs: 1000 });
    await stun?.close();
  });

  const probe = (req: Partial<{ servers: string[]; timeoutMs: number; localPort: number; allocationSamples: number }>) =>
    new Promise<ProbeResponse>((resolve, reject) =>
      client.probe({ servers: [], timeoutMs: 0, localPort: 0, allocationSamples: 0, ...req }, new Metadata(), (err, res) => (err ? reject(err) : resolve(res))),
    );

  it('Probe classifies loopback as open through the RFC 5780 server, within 2 s', async () => {
    const { report } = await probe({});
    assert.ok(report);
    assert.equal(report.type, NatType.NAT_TYPE_OPEN, report.notes.join('\n'));
    assert.equal(report.method, 'rfc5780');
    assert.equal(report.mapping, NatDependence.NAT_DEPENDENCE_NONE);
    assert.equal(report.filtering, NatDependence.NAT_DEPENDENCE_ENDPOINT_INDEPENDENT);
    assert.equal(report.portPreserved, true);
    assert.ok(report.durationMs <= 2000);
    const text = await registry.metrics();
    assert.match(text, /wirekube_stun_probe_probes_total\{type="open"\} 1/);
    assert.match(text, /wirekube_stun_probe_stun_requests_total \d+/);
  });

  it('Probe rejects bad arguments naming the field', async () => {
    for (const [req, msg] of [
      [{ servers: ['nope'] }, 'servers: "nope" is not host:port'],
      [{ timeoutMs: 60_000 }, 'timeout_ms: 60000 exceeds 30000'],
      [{ localPort: 70_000 }, 'local_port: 70000 is not a port'],
    ] as [Parameters<typeof probe>[0], string][]) {
      await assert.rejects(probe(req), (e: ServiceError) => e.code === status.INVALID_ARGUMENT && e.details === msg);
    }
  });

  it('Probe reports UDP blocked when the server is silent', async () => {
    const silent = await openDgramPort({ ip: '127.0.0.1' });
    try {
      const { report } = await probe({ servers: [`127.0.0.1:${silent.local.port}`], timeoutMs: 500 });
      assert.equal(report?.type, NatType.NAT_TYPE_UDP_BLOCKED);
    } finally {
      await silent.close();
    }
  });

  it('WatchNat streams the current report at once', async () => {
    const call = client.watchNat({ intervalMs: 0 });
    const first = await new Promise<NatReport>((resolve, reject) => {
      call.once('data', resolve);
      call.once('error', reject);
    });
    call.cancel();
    call.on('error', () => {}); // the CANCELLED status after cancel()
    assert.equal(first.type, NatType.NAT_TYPE_OPEN);
  });

  it('WatchNat rejects an interval below 1 s', async () => {
    const call = client.watchNat({ intervalMs: 500 });
    const err = await new Promise<ServiceError>((resolve) => call.once('error', resolve));
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.equal(err.details, 'interval_ms: 500 is below 1000');
  });

  it('serve answers classic RFC 3489 clients and counts junk', async () => {
    const c = await openDgramPort({ ip: '127.0.0.1' });
    try {
      const before = stun.server.stats.notStun;
      await c.send(Buffer.from('definitely not stun'), { ip: '127.0.0.1', port: P });
      const reply = new Promise<Buffer>((resolve) => c.onMessage((d) => resolve(d)));
      await c.send(encodeStun(bindingRequest({ transactionId: Buffer.alloc(12, 3), classicCookie: 0x01020304, changeIp: true })), { ip: '127.0.0.1', port: P });
      const m = decodeStun(await reply);
      assert.equal(m.cookie, 0x01020304);
      assert.deepEqual(readBindingResult(m), { mapped: c.local, origin: { ip: '127.0.0.2', port: P }, other: { ip: '127.0.0.2', port: P + 1 } });
      assert.equal(findAttribute(m, 'xor-mapped-address'), undefined);
      assert.equal(stun.server.stats.notStun, before + 1);
    } finally {
      await c.close();
    }
  });
});
