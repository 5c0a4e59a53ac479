import assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import {
  AgentAdminClient,
  AgentAdminService,
  AgentStatus,
  NatType,
  StunProbeClient,
  StunProbeService,
  type AgentAdminServer,
  type StunProbeServer,
} from '@wirekube/proto';
import { nullLogger } from '@wirekube/util';
import { initTracing } from '../tracing';
import { createClient } from './client';
import { checkHealth } from './health-client';
import { GrpcServer } from './server';

describe('gRPC runtime (two in-process servers on 127.0.0.1:0)', () => {
  const exporter = new InMemorySpanExporter();
  const tracing = initTracing({ serviceName: 'runtime-test', exporter, env: {} });
  const { tracer } = tracing;
  const servers: GrpcServer[] = [];
  const closers: Array<() => void> = [];

  after(async () => {
    closers.forEach((c) => c());
    await Promise.all(servers.map((s) => s.shutdown({ drainMs: 0, graceMs: 100 })));
    await tracing.shutdown();
  });

  async function startProbe(delayMs = 0): Promise<{ server: GrpcServer; address: string }> {
    const server = new GrpcServer({ logger: nullLogger, tracer });
    const impl: StunProbeServer = {
      probe: (_call, cb) => {
        setTimeout(() => cb(null, { report: { type: NatType.NAT_TYPE_FULL_CONE, mapping: 2, filtering: 2, portPreserved: true, allocation: 1, allocationDelta: 0, mapped: undefined, local: undefined, method: 'test', probedAtMs: 0, durationMs: 0, notes: [] } }), delayMs);
      },
      watchNat: (call) => call.end(),
    };
    server.addService('wirekube.v1.StunProbe', StunProbeService, impl as never);
    const port = await server.listen('127.0.0.1:0');
    servers.push(server);
    return { server, address: `127.0.0.1:${port}` };
  }

  it('carries one trace from a client call through a server handler into a second server', async () => {
    const probe = await startProbe();
    const probeClient = createClient(StunProbeClient, probe.address, { tracer });
    closers.push(() => probeClient.close());
    const admin = new GrpcServer({ logger: nullLogger, tracer });
    const adminImpl: Pick<AgentAdminServer, 'getStatus'> = {
      getStatus: (_call, cb) => {
        probeClient.probe({ servers: [], timeoutMs: 0, localPort: 0, allocationSamples: 0 }, (err, res) => {
          if (err) return cb(err);
          cb(null, AgentStatus.fromPartial({ nodeName: 'n1', nat: res.report }));
        });
      },
    };
    admin.addService('wirekube.v1.AgentAdmin', AgentAdminService, { ...adminImpl, listPeers: unimplemented, explain: unimplemented });
    servers.push(admin);
    const adminAddress = `127.0.0.1:${await admin.listen('127.0.0.1:0')}`;
    const adminClient = createClient(AgentAdminClient, adminAddress, { tracer });
    closers.push(() => adminClient.close());

    const status = await new Promise<AgentStatus>((resolve, reject) => adminClient.getStatus({}, (err, res) => (err ? reject(err) : resolve(res))));
    assert.equal(status.nat?.type, NatType.NAT_TYPE_FULL_CONE);

    const spans = exporter.getFinishedSpans();
    const named = (name: string, kind: SpanKind) => {
      const s = spans.find((x) => x.name === name && x.kind === kind);
      assert.ok(s, `no ${SpanKind[kind]} span ${name} in ${spans.map((x) => x.name).join(', ')}`);
      return s;
    };
    const c1 = named('/wirekube.v1.AgentAdmin/GetStatus', SpanKind.CLIENT);
    const s1 = named('/wirekube.v1.AgentAdmin/GetStatus', SpanKind.SERVER);
    const c2 = named('/wirekube.v1.StunProbe/Probe', SpanKind.CLIENT);
    const s2 = named('/wirekube.v1.StunProbe/Probe', SpanKind.SERVER);
    const traceId = c1.spanContext().traceId;
    for (const s of [s1, c2, s2]) assert.equal(s.spanContext().traceId, traceId);
    assert.equal(s1.parentSpanContext?.spanId, c1.spanContext().spanId);
    assert.equal(c2.parentSpanContext?.spanId, s1.spanContext().spanId);
    assert.equal(s2.parentSpanContext?.spanId, c2.spanContext().spanId);
  });

  it('answers health SERVING, NOT_SERVING while draining, finishes in-flight calls, then stops', async () => {
    const { server, address } = await startProbe(400);
    assert.equal(await checkHealth(address), 'SERVING');
    assert.equal(await checkHealth(address, 'wirekube.v1.StunProbe'), 'SERVING');
    const client = createClient(StunProbeClient, address, { tracer });
    closers.push(() => client.close());
    const inFlight = new Promise<NatType | undefined>((resolve, reject) =>
      client.probe({ servers: [], timeoutMs: 0, localPort: 0, allocationSamples: 0 }, (err, res) => (err ? reject(err) : resolve(res.report?.type))),
    );
    await waitFor(() => server.activeCalls === 1);
    const stopped = server.shutdown({ drainMs: 300, graceMs: 5000 });
    assert.equal(server.shuttingDown.aborted, true);
    assert.equal(await checkHealth(address), 'NOT_SERVING');
    assert.equal(await inFlight, NatType.NAT_TYPE_FULL_CONE, 'the in-flight call completed normally');
    await stopped;
    await assert.rejects(checkHealth(address, '', 500), (e: ServiceError) => e.code === GrpcStatus.UNAVAILABLE || e.code === GrpcStatus.DEADLINE_EXCEEDED);
  });
});

const unimplemented = (_call: unknown, cb: (err: Partial<ServiceError>) => void) => cb({ code: GrpcStatus.UNIMPLEMENTED, message: 'not in this test' });

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
