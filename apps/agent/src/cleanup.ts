import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MESH_DEFAULTS } from '@wirekube/k8s';
import type { Logger } from '@wirekube/util';
import type { MeshHost } from './host-net';

/** What the agent records about what it installed, so cleanup works without the API server. */
export interface InstalledState {
  iface: string;
  backend: string;
}

/** Path of the installed-state record: next to the key file. */
export function installedStatePath(keyFile: string): string {
  return join(dirname(keyFile), 'agent-installed.json');
}

/** Records what the agent installed (written when the device is opened). */
export async function recordInstalled(path: string, s: InstalledState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(s)}\n`, { mode: 0o600 });
}

/**
 * `wirekube-agent cleanup`: removes everything the agent installs on the node — its ip rules, the
 * mesh routing table, the WireGuard interface (a userspace wireguard-go exits with it) and its UAPI
 * socket, the admin socket and the installed-state record. Idempotent. The private key is kept: it
 * is the node's identity, and removing it would force every peer to re-learn the node.
 */
export async function cleanup(o: { host: Pick<MeshHost, 'remove'>; keyFile: string; adminSocket: string; wireguardSocketDir: string; logger: Logger }): Promise<void> {
  const statePath = installedStatePath(o.keyFile);
  let iface: string = MESH_DEFAULTS.interfaceName;
  try {
    iface = (JSON.parse(await readFile(statePath, 'utf8')) as InstalledState).iface || iface;
  } catch {
    o.logger.info('no installed-state record; assuming the default interface name', { iface });
  }
  const changes = await o.host.remove(iface);
  for (const p of [join(o.wireguardSocketDir, `${iface}.sock`), o.adminSocket, statePath]) await rm(p, { force: true });
  o.logger.info('cleanup done', { iface, ...changes });
}
