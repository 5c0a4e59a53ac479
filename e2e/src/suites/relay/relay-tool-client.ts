import { resolve } from 'node:path';
import type { LabHost, LabProcess } from '../../lab';

/** The e2e project root: tools run with it as cwd so tsx finds the path aliases. */
const E2E_ROOT = resolve(__dirname, '../../..');
const TOOL = resolve(__dirname, 'relay-tool.ts');
const RELAY_MAIN = resolve(E2E_ROOT, '../apps/relay/src/main.ts');
const TSX_ENV = { TSX_TSCONFIG_PATH: resolve(E2E_ROOT, 'tsconfig.json'), OTEL_TRACES_EXPORTER: 'none' };

/** Ports the lab relay listens on. */
export const LAB_RELAY = { controlPort: 3479, dataPort: 3478 } as const;

/** Starts the real wirekube-relay service (its main.ts through tsx) on the lab relay host. */
export async function startLabRelay(host: LabHost, extra: string[] = []): Promise<LabProcess> {
  const p = host.spawn(
    [process.execPath, '--require', 'tsx/cjs', RELAY_MAIN,
      `--data-address=0.0.0.0:${LAB_RELAY.dataPort}`, `--control-address=0.0.0.0:${LAB_RELAY.controlPort}`,
      `--key-file=${host.dir}/relay.key`, '--metrics-address=', '--replica-id=lab-relay', '--shutdown-drain=0ms', ...extra],
    { name: 'wirekube-relay', cwd: E2E_ROOT, env: TSX_ENV },
  );
  await p.waitForOutput(/relay serving/, 30_000);
  return p;
}

/** A running relay proxy in a node: the loopback endpoint WireGuard should use for each peer. */
export interface LabRelayProxy {
  proc: LabProcess;
  endpoints: Map<string, string>;
  /** Resolves once `peer` (base64 key) is present on the relay. */
  present(peer: string, timeoutMs?: number): Promise<void>;
}

/** Starts relay-tool's proxy in `node` for `peers` (base64 keys), bridging to WireGuard on `wgPort`. */
export async function startLabProxy(node: LabHost, relayAddr: string, privateKey: string, wgPort: number, peers: string[]): Promise<LabRelayProxy> {
  const proc = node.spawn(
    [process.execPath, '--require', 'tsx/cjs', TOOL, 'proxy', relayAddr, String(LAB_RELAY.controlPort), String(LAB_RELAY.dataPort), privateKey, String(wgPort), ...peers],
    { name: 'relay-proxy', cwd: E2E_ROOT, env: TSX_ENV },
  );
  const endpoints = new Map<string, string>();
  for (const peer of peers) {
    const m = await proc.waitForOutput(new RegExp(`endpoint ${escape(peer)} (\\S+)`), 30_000);
    endpoints.set(peer, m[1]!);
  }
  return { proc, endpoints, present: async (peer, timeoutMs = 15_000) => void (await proc.waitForOutput(new RegExp(`present ${escape(peer)}`), timeoutMs)) };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
