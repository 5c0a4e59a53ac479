import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, type Socket } from 'node:net';
import { credentials } from '@grpc/grpc-js';
import { RelayControlClient } from '@wirekube/proto';
import { ControlSession } from '@wirekube/relay-client';
import { FrameType, RELAY_PROTOCOL_VERSION, encodeRegister, type RawKeyPair } from '@wirekube/relay-core';
import { systemClock } from '@wirekube/util';

const ROOT = resolve(__dirname, '../../..');

/** A wirekube-relay process on loopback. */
export interface RelayProcess {
  pid: number;
  controlPort: number;
  dataPort: number;
  /** Resident set size in MiB, from /proc. */
  rssMiB(): number;
  /** User + system CPU seconds consumed so far, from /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Bundles apps/relay (esbuild, as `nx build relay` does) so benches measure the shipped artefact. */
export function bundleRelay(): void {
  execFileSync(process.execPath, [resolve(ROOT, 'tools/bundle.mjs')], { cwd: resolve(ROOT, 'apps/relay'), stdio: 'inherit' });
}

/**
 * Starts the bundled relay (apps/relay/dist/main.js; call {@link bundleRelay} first), pinned to
 * `cpu` when given (taskset), and waits for "relay serving".
 */
export async function startRelayProcess(opts: { cpu?: number; flags?: string[]; nodeFlags?: string[] } = {}): Promise<RelayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'wk-relay-bench-'));
  const argv = [process.execPath, ...(opts.nodeFlags ?? []), resolve(ROOT, 'apps/relay/dist/main.js'),
    '--data-address=127.0.0.1:0', '--control-address=127.0.0.1:0', `--key-file=${dir}/relay.key`, '--replica-id=bench',
    '--shutdown-drain=0ms', '--probe-address=', '--metrics-address=', ...(opts.flags ?? [])];
  const child: ChildProcess = spawn(opts.cpu === undefined ? argv[0]! : 'taskset', opts.cpu === undefined ? argv.slice(1) : ['-c', String(opts.cpu), ...argv], {
    cwd: ROOT,
    env: { ...process.env, OTEL_TRACES_EXPORTER: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = await new Promise<Record<string, unknown>>((res, rej) => {
    let buf = '';
    const onData = (c: Buffer) => {
      buf += c.toString();
      for (const l of buf.split('\n')) {
        if (l.includes('"relay serving"')) return res(JSON.parse(l));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => rej(new Error(`relay exited with ${code} before serving:\n${buf}`)));
  });
  const pid = child.pid!;
  const stat = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return {
    pid,
    controlPort: line.controlPort as number,
    dataPort: line.dataPort as number,
    rssMiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024,
    cpuSeconds: () => (Number(stat()[11]) + Number(stat()[12])) / 100,
    stop: () =>
      new Promise<void>((res) => {
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          res();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** A proven session plus a raw data socket registered for it (no client-side framing overhead). */
export interface RawPeer {
  keys: RawKeyPair;
  sock: Socket;
  session: ControlSession;
}

/** Opens a control session on `client` and registers a raw data socket for `keys`. */
export async function rawPeer(relay: RelayProcess, client: RelayControlClient, keys: RawKeyPair, presenceOf: Buffer[] = []): Promise<RawPeer> {
  const noop = () => {};
  const session = await ControlSession.open(
    client,
    { ...keys, nodeName: 'bench', presenceFilter: () => presenceOf },
    { presence: noop, punchOffer: noop, punchAnswer: noop, closed: noop },
    systemClock,
    30_000,
  );
  const sock = connect({ host: '127.0.0.1', port: relay.dataPort, noDelay: true });
  await new Promise<void>((res, rej) => {
    sock.once('error', rej);
    sock.once('data', (c: Buffer) => (c[0] === FrameType.Registered ? res() : rej(new Error(`registration refused: ${c.toString('hex')}`))));
    sock.write(encodeRegister({ version: RELAY_PROTOCOL_VERSION, publicKey: keys.publicKey, token: session.opened.token }));
  });
  sock.on('error', () => undefined);
  return { keys, sock, session };
}

/** A RelayControl client for the relay process. */
export function controlClient(relay: RelayProcess): RelayControlClient {
  return new RelayControlClient(`127.0.0.1:${relay.controlPort}`, credentials.createInsecure());
}
