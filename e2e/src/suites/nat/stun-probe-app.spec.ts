import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { type LabHost, type LabProcess, useLab } from '../../lab';
import { toolArgv, TOOL_ENV } from './nat-tool-client';

// The stun-probe app itself (apps/stun-probe/src/main.ts, run from source so no bundle is needed):
// `serve` on the lab STUN host's two addresses, the gRPC sidecar in a node behind a
// port-restricted NAT, and a gRPC client next to it. Checks Probe, WatchNat and the server metrics.
const MAIN = resolve(__dirname, '../../../../apps/stun-probe/src/main.ts');
const APP_ENV = { TSX_TSCONFIG_PATH: resolve(__dirname, '../../../../apps/stun-probe/tsconfig.json'), OTEL_TRACES_EXPORTER: 'none' };

function app(host: LabHost, args: string[], name: string): LabProcess {
  return host.spawn([process.execPath, '--require', 'tsx/cjs', MAIN, ...args], { name, env: APP_ENV });
}

async function grpc(node: LabHost, command: 'grpc-probe' | 'grpc-watch'): Promise<Record<string, unknown>> {
  const r = await node.exec(toolArgv(command, '127.0.0.1:9471'), { env: TOOL_ENV, timeoutMs: 15_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('report '));
  assert.ok(line, r.stdout + r.stderr);
  return JSON.parse(line.slice('report '.length)) as Record<string, unknown>;
}

describe('lab: wirekube-stun-probe serve + gRPC sidecar', function () {
  this.timeout(60_000);
  const lab = useLab({ sites: [{ name: 'home', nat: 'port-restricted', nodes: ['a'] }], services: ['stun'] }, { resetBetweenTests: false });

  before(async () => {
    const stun = lab().host('stun');
    const [a, b] = stun.addrs;
    const server = app(stun, ['serve', `--listen-ips=${a},${b}`, '--stun-port=3478', '--alt-port=3479', `--metrics-address=${a}:9472`], 'stun-probe-serve');
    await server.waitForOutput(/STUN server listening/, 30_000);
    const sidecar = app(lab().host('a'), ['--grpc-address=127.0.0.1:9471', `--stun-servers=${a}:3478`, '--metrics-address=127.0.0.1:9472'], 'stun-probe');
    await sidecar.waitForOutput(/StunProbe gRPC listening/, 30_000);
  });

  it('Probe over gRPC classifies the port-restricted NAT through the app\'s own STUN server', async () => {
    const r = await grpc(lab().host('a'), 'grpc-probe');
    assert.equal(r.type, 'NAT_TYPE_PORT_RESTRICTED_CONE', JSON.stringify(r));
    assert.equal(r.mapping, 'NAT_DEPENDENCE_ENDPOINT_INDEPENDENT');
    assert.equal(r.filtering, 'NAT_DEPENDENCE_ADDRESS_AND_PORT_DEPENDENT');
    assert.equal(r.method, 'rfc5780');
    assert.equal((r.mapped as { ip: string }).ip, lab().site('home').wanAddr);
  });

  it('WatchNat sends the current report at once', async () => {
    const r = await grpc(lab().host('a'), 'grpc-watch');
    assert.equal(r.type, 'NAT_TYPE_PORT_RESTRICTED_CONE');
  });

  it('serve counts requests in its metrics', async () => {
    const stun = lab().host('stun');
    const r = await stun.exec([process.execPath, '-e', `fetch('http://${stun.addrs[0]}:9472/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))`]);
    const m = /wirekube_stun_probe_stun_requests_total(?:\{[^}]*\})? (\d+)/.exec(r.stdout);
    assert.ok(m && Number(m[1]) > 0, r.stdout.slice(0, 2000));
  });
});
