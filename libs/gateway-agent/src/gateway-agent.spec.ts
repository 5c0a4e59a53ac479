import { strict as assert } from 'node:assert';
import { Server, ServerCredentials, credentials, type ServerWritableStream } from '@grpc/grpc-js';
import { GatewayControlClient, GatewayControlService, GatewayRole, type Assignments, type HealthReport, type WatchAssignmentsRequest } from '@wirekube/proto';
import { systemClock, seededRng } from '@wirekube/util';
import { GatewayAgent } from './gateway-agent';
import { FakeSnat, FakeSysctl } from './testing';

/** A minimal GatewayControl server: pushes whatever the test sets, records health reports. */
class FakeController {
  readonly server = new Server();
  readonly streams = new Set<ServerWritableStream<WatchAssignmentsRequest, Assignments>>();
  readonly reports: HealthReport[] = [];
  current: Assignments = { revision: 0, gateways: [] };
  port = 0;

  constructor() {
    this.server.addService(GatewayControlService, {
      watchAssignments: (call: ServerWritableStream<WatchAssignmentsRequest, Assignments>) => {
        this.streams.add(call);
        call.on('cancelled', () => this.streams.delete(call));
        call.write(this.current);
      },
      reportHealth: (call: { request: HealthReport }, cb: (e: null, ack: { accepted: boolean }) => void) => {
        this.reports.push(call.request);
        cb(null, { accepted: true });
      },
    });
  }

  async listen(port = 0): Promise<void> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
  }

  push(a: Assignments): void {
    this.current = a;
    for (const s of this.streams) s.write(a);
  }
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const active = (revision: number, role: GatewayRole) => ({
  revision,
  gateways: [
    {
      gateway: 'vpc',
      role,
      routes: ['10.100.0.0/24'],
      snatEnabled: true,
      snatSourceIp: '',
      snatSources: ['100.96.0.0/16'],
      healthCheck: { target: '127.0.0.1:1', intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 2 },
      activePeer: role === GatewayRole.GATEWAY_ROLE_ACTIVE ? 'gw-a' : 'gw-b',
    },
  ],
});

describe('GatewayAgent against a real gRPC GatewayControl on 127.0.0.1', () => {
  let ctl: FakeController;
  let agent: GatewayAgent | undefined;
  let client: GatewayControlClient | undefined;
  beforeEach(async () => {
    ctl = new FakeController();
    await ctl.listen();
  });
  afterEach(async () => {
    await agent?.stop();
    client?.close();
    ctl.server.forceShutdown();
  });

  it('installs MASQUERADE while ACTIVE, removes it when demoted, and reports probe results', async () => {
    ctl.current = active(1, GatewayRole.GATEWAY_ROLE_ACTIVE);
    const snat = new FakeSnat();
    const sysctl = new FakeSysctl();
    client = new GatewayControlClient(`127.0.0.1:${ctl.port}`, credentials.createInsecure());
    agent = new GatewayAgent({ nodeName: 'gw-a', client, snat, sysctl, clock: systemClock, rng: seededRng(1) });
    agent.start();
    await until(() => snat.rules.length === 1, 'SNAT installed');
    assert.deepEqual(snat.text(), ['-s 100.96.0.0/16 -d 10.100.0.0/24 -j MASQUERADE']);
    assert.equal(sysctl.values.get('net.ipv4.ip_forward'), '1');
    await until(() => ctl.reports.length > 0, 'a health report');
    assert.equal(ctl.reports[0].nodeName, 'gw-a');
    assert.equal(ctl.reports[0].gateway, 'vpc');
    assert.equal(ctl.reports[0].healthy, true, 'one failure is below the threshold of 2');
    assert.equal(ctl.reports[0].consecutiveFailures, 1, 'nothing listens on 127.0.0.1:1');

    ctl.push(active(2, GatewayRole.GATEWAY_ROLE_STANDBY));
    await until(() => snat.rules.length === 0, 'SNAT removed on demotion');
    assert.deepEqual(agent.status().roles, { vpc: 'standby' });
  });

  it('reconnects after the controller restarts and applies what the new one says', async () => {
    ctl.current = active(1, GatewayRole.GATEWAY_ROLE_ACTIVE);
    const snat = new FakeSnat();
    client = new GatewayControlClient(`127.0.0.1:${ctl.port}`, credentials.createInsecure(), { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 200 });
    agent = new GatewayAgent({ nodeName: 'gw-a', client, snat, sysctl: new FakeSysctl(), clock: systemClock, rng: seededRng(2) });
    agent.start();
    await until(() => agent!.status().connected && snat.rules.length === 1, 'first assignments');
    const port = ctl.port;
    ctl.server.forceShutdown();
    await until(() => !agent!.status().connected, 'disconnect noticed');
    assert.equal(snat.rules.length, 1, 'the data plane stays while the controller is away');

    ctl = new FakeController();
    ctl.current = active(7, GatewayRole.GATEWAY_ROLE_STANDBY);
    await ctl.listen(port);
    await until(() => agent!.status().revision === 7, 'assignments from the new controller', 10_000);
    assert.equal(snat.rules.length, 0);
  });

  it('cleanup removes the rules it installed', async () => {
    ctl.current = active(1, GatewayRole.GATEWAY_ROLE_ACTIVE);
    const snat = new FakeSnat();
    client = new GatewayControlClient(`127.0.0.1:${ctl.port}`, credentials.createInsecure());
    agent = new GatewayAgent({ nodeName: 'gw-a', client, snat, sysctl: new FakeSysctl() });
    agent.start();
    await until(() => snat.rules.length === 1, 'SNAT installed');
    await agent.cleanup();
    assert.deepEqual(snat.rules, []);
  });
});
