import { resolve } from 'node:path';
import type { DiscoveryReport } from '@wirekube/nat';
import type { LabHost, LabProcess } from '../../lab';

/** The e2e project root: nat-tool.ts runs with it as cwd so tsx finds the path aliases. */
export const E2E_ROOT = resolve(__dirname, '../../..');
const TOOL = resolve(__dirname, 'nat-tool.ts');

/** Lets tsx find the workspace path aliases whatever the working directory. */
export const TOOL_ENV = { TSX_TSCONFIG_PATH: resolve(E2E_ROOT, 'tsconfig.json') };

/** argv running nat-tool.ts with this Node and tsx. */
export function toolArgv(...args: string[]): string[] {
  return [process.execPath, '--require', 'tsx/cjs', TOOL, ...args];
}

/** Starts the libs/nat STUN server on the lab STUN host (two addresses × two ports). */
export async function startLabStunServer(stun: LabHost, port: number): Promise<LabProcess> {
  const [a, b] = stun.addrs;
  const p = stun.spawn(toolArgv('serve', a!, b!, String(port), String(port + 1)), { name: 'wk-stun', cwd: E2E_ROOT, env: TOOL_ENV });
  await p.waitForOutput(/listening/, 15_000);
  return p;
}

/**
 * Starts coturn in STUN-only mode on both STUN host addresses (RFC 5780 needs two). With
 * `plain`, RFC 5780 is switched off: two plain RFC 5389 servers on one port, for the fallback.
 */
export async function startCoturn(stun: LabHost, port: number, plain = false): Promise<LabProcess> {
  const [a, b] = stun.addrs;
  const p = stun.spawn(
    ['turnserver', '-n', '--stun-only', '--listening-ip', a!, '--listening-ip', b!, '--listening-port', String(port), '--alt-listening-port', String(port + 1),
      '--no-tls', '--no-dtls', '--no-tcp', '--no-cli', '--log-file', 'stdout', '--simple-log', '--pidfile', `${stun.dir}/turnserver-${port}.pid`, '--db', `${stun.dir}/turndb-${port}`,
      ...(plain ? ['--no-rfc5780'] : [])],
    { name: plain ? 'coturn-plain' : 'coturn' },
  );
  // coturn does not log when its UDP listeners are up: ask it until it answers.
  await stun.exec(toolArgv('ping', `${a}:${port}`), { env: TOOL_ENV, timeoutMs: 15_000 });
  return p;
}

/** Runs libs/nat discovery inside `node` against `servers` and returns its report. */
export async function discoverIn(node: LabHost, servers: string[], localPort = 0): Promise<DiscoveryReport> {
  const r = await node.exec(toolArgv('discover', servers.join(','), String(localPort)), { env: TOOL_ENV, timeoutMs: 15_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('report '));
  if (!line) throw new Error(`no report from ${node.name}:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line.slice('report '.length)) as DiscoveryReport;
}
