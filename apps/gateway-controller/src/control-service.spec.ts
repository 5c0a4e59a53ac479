import { strict as assert } from 'node:assert';
import { credentials, Metadata, Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import { GatewayControlClient, GatewayControlService as Def, GatewayRole, type Assignments, type HealthReport } from '@wirekube/proto';
import { systemClock } from '@wirekube/util';
import { GatewayControlService, toWire } from './control-service';

describe('GatewayControl service over real gRPC (bad input, leadership)', () => {
  let server: Server;
  let client: GatewayControlClient;
  let svc: GatewayControlService;
  let changes = 0;

  beforeEach(async () => {
    changes = 0;
    svc = new GatewayControlService({ clock: systemClock, onChange: () => changes++, candidatesOf: (g) => (g === 'vpc' ? ['gw-a', 'gw-b'] : undefined) });
    server = new Server();
    server.addService(Def, svc.impl);
    const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    client = new GatewayControlClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  afterEach(() => {
    client.close();
    server.forceShutdown();
  });

  const report = (r: Partial<HealthReport>) =>
    new Promise<{ err: ServiceError | null }>((res) =>
      client.reportHealth({ nodeName: 'gw-a', gateway: 'vpc', healthy: true, consecutiveFailures: 0, latencyMs: 1, detail: 'ok', probedAtMs: 1, ...r }, new Metadata(), (err) => res({ err })),
    );

  it('refuses reports precisely and keeps only valid ones', async () => {
    assert.equal((await report({})).err?.code, status.UNAVAILABLE, 'a follower refuses');
    svc.setLeading(true);
    assert.equal((await report({})).err, null);
    const unknown = (await report({ gateway: 'nope' })).err!;
    assert.equal(unknown.code, status.NOT_FOUND);
    assert.match(unknown.details, /no WireKubeGateway named "nope"/);
    assert.equal((await report({ nodeName: 'edge-1' })).err?.code, status.FAILED_PRECONDITION);
    assert.deepEqual([...svc.health.get('vpc')!.keys()], ['gw-a']);
    assert.deepEqual(svc.counters, { reportsAccepted: 1, reportsRejected: 3 });
    assert.equal(changes, 1, 'only a report that changes health triggers a reconcile');
    await report({});
    assert.equal(changes, 1);
  });

  it('streams the full set first and then only changes, with growing revisions; losing leadership ends streams', async () => {
    svc.setLeading(true);
    svc.publish(new Map([['gw-a', [{ gateway: 'vpc', role: 'active', routes: ['10.1.0.0/24'], snat: { enabled: true }, snatSources: ['100.96.0.0/16'], activePeer: 'gw-a' }]]]));
    const got: Assignments[] = [];
    const call = client.watchAssignments({ nodeName: 'gw-a' });
    const ended = new Promise<number>((res) => call.on('error', (e: ServiceError) => res(e.code)));
    call.on('data', (a: Assignments) => got.push(a));
    const wait = async (n: number) => {
      for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await wait(1);
    assert.equal(got[0].gateways[0].role, GatewayRole.GATEWAY_ROLE_ACTIVE);
    assert.deepEqual(svc.connected(), new Set(['gw-a']));
    svc.publish(new Map([['gw-a', [{ gateway: 'vpc', role: 'active', routes: ['10.1.0.0/24'], snat: { enabled: true }, snatSources: ['100.96.0.0/16'], activePeer: 'gw-a' }]]]));
    svc.publish(new Map());
    await wait(2);
    assert.equal(got.length, 2, 'an unchanged publish sends nothing');
    assert.deepEqual(got[1].gateways, []);
    assert.ok(got[1].revision > got[0].revision);
    svc.setLeading(false);
    assert.equal(await ended, status.UNAVAILABLE);
  });

  it('rejects a watch without a node name', async () => {
    svc.setLeading(true);
    const code = await new Promise<number>((res) => client.watchAssignments({ nodeName: '' }).on('error', (e: ServiceError) => res(e.code)));
    assert.equal(code, status.INVALID_ARGUMENT);
  });

  it('sends health checks only to candidates', () => {
    const hc = { target: '10.1.0.100:80', intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 2 };
    const base = { gateway: 'vpc', routes: ['10.1.0.0/24'], snat: { enabled: true }, snatSources: [], activePeer: 'gw-a', healthCheck: hc };
    const wire = toWire([{ ...base, role: 'standby' }, { ...base, role: 'client' }]);
    assert.deepEqual(wire[0].healthCheck, hc);
    assert.equal(wire[1].healthCheck, undefined);
  });
});
