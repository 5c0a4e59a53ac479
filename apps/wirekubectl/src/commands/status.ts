import type { WireKubeGateway, WireKubeMesh, WireKubePeer } from '@wirekube/k8s';
import { MESH_DEFAULTS } from '@wirekube/k8s';
import { natTypeOf } from '../mesh-view';
import { humanAge, renderTable } from '../table';
import { printJson, type CommandContext } from './context';

/** The mesh summary `status` prints. */
export interface MeshSummary {
  mesh: string;
  listenPort: number;
  interfaceName: string;
  meshCIDR: string;
  relayMode: string;
  relayEndpoints: string[];
  stunServers: string[];
  birthdayAttack: string;
  peers: { total: number; connected: number };
  paths: { direct: number; relay: number; none: number };
  natTypes: Record<string, number>;
  conditions: Array<{ type: string; status: string; reason: string; message: string }>;
  gateways: Array<{ name: string; active: string; ready: boolean; routes: number; age: string }>;
}

/** Folds the mesh, its peers and gateways into the summary. Pure. */
export function summarize(mesh: WireKubeMesh, peers: readonly WireKubePeer[], gateways: readonly WireKubeGateway[], nowMs: number): MeshSummary {
  const s = mesh.spec;
  const natTypes: Record<string, number> = {};
  const paths = { direct: 0, relay: 0, none: 0 };
  for (const p of peers) {
    natTypes[natTypeOf(p)] = (natTypes[natTypeOf(p)] ?? 0) + 1;
    const sum = p.status?.pathSummary;
    if (sum) for (const k of ['direct', 'relay', 'none'] as const) paths[k] += sum[k];
  }
  return {
    mesh: mesh.metadata.name ?? '',
    listenPort: s.listenPort ?? MESH_DEFAULTS.listenPort,
    interfaceName: s.interfaceName ?? MESH_DEFAULTS.interfaceName,
    meshCIDR: s.meshCIDR ?? MESH_DEFAULTS.meshCIDR,
    relayMode: s.relay?.mode ?? 'auto',
    relayEndpoints: s.relay?.endpoints ?? [],
    stunServers: s.stunServers,
    birthdayAttack: s.natTraversal?.birthdayAttack ?? 'disabled',
    peers: { total: peers.length, connected: peers.filter((p) => p.status?.connected === true).length },
    paths,
    natTypes,
    conditions: (mesh.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })),
    gateways: gateways.map((g) => ({
      name: g.metadata.name ?? '',
      active: g.status?.activePeer || '-',
      ready: g.status?.ready === true,
      routes: g.spec.routes.length,
      age: humanAge(g.metadata.creationTimestamp ? nowMs - Date.parse(String(g.metadata.creationTimestamp)) : undefined),
    })),
  };
}

/** `wirekubectl status`. Path counts are directed (each node counts its own view of each peer). */
export async function statusCommand(ctx: CommandContext): Promise<number> {
  const src = ctx.source();
  const [mesh, peers, gateways] = await Promise.all([src.mesh(ctx.config.mesh), src.peers(), src.gateways()]);
  const s = summarize(mesh, peers, gateways, ctx.nowMs());
  if (ctx.config.output === 'json') {
    printJson(ctx, s);
    return 0;
  }
  const nat = Object.entries(s.natTypes).sort().map(([k, v]) => `${k} ${v}`).join(', ') || '-';
  const lines = [
    `Mesh ${s.mesh} (${src.origin})`,
    `  WireGuard:   ${s.interfaceName}, UDP ${s.listenPort}, mesh addresses from ${s.meshCIDR}`,
    `  Relay:       mode ${s.relayMode}${s.relayEndpoints.length ? `, ${s.relayEndpoints.join(', ')}` : ', endpoints from agent flags'}`,
    `  STUN:        ${s.stunServers.join(', ')}`,
    `  Birthday:    ${s.birthdayAttack}`,
    `  Peers:       ${s.peers.connected}/${s.peers.total} connected`,
    `  Paths:       ${s.paths.direct} direct, ${s.paths.relay} relay, ${s.paths.none} without a path (as each node sees its peers)`,
    `  NAT types:   ${nat}`,
  ];
  for (const c of s.conditions.filter((c) => c.status !== 'True')) lines.push(`  Condition:   ${c.type}=${c.status} ${c.reason}: ${c.message}`);
  ctx.out(`${lines.join('\n')}\n`);
  if (s.gateways.length) {
    ctx.out(`\nGateways:\n${renderTable(['name', 'active', 'ready', 'routes', 'age'], s.gateways.map((g) => [g.name, g.active, String(g.ready), String(g.routes), g.age]))}`);
  }
  return 0;
}
