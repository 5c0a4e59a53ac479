import type { WireKubePeer } from '@wirekube/k8s';
import { CliError } from '../mesh-source';
import { natTypeOf, publishedPaths } from '../mesh-view';
import { ageOf, humanAge, renderTable } from '../table';
import { printJson, type CommandContext } from './context';

/**
 * `wirekubectl peers [NODE]`: one row per published path (FROM → TO), with both NAT types, the
 * reason and the handshake age; a node that publishes no paths yet still gets a row, so a
 * stuck agent is visible. With NODE, only the paths from and to that node.
 */
export async function peersCommand(ctx: CommandContext): Promise<number> {
  if (ctx.args.length > 1) throw new CliError('usage', `peers takes at most one node name, got ${ctx.args.length}`, 2);
  const all = await ctx.source().peers();
  const node = ctx.args[0];
  if (node && !all.some((p) => p.metadata.name === node)) throw unknownPeer(node, all);
  const now = ctx.nowMs();
  const nat = new Map(all.map((p) => [p.metadata.name ?? '', natTypeOf(p)]));
  const paths = publishedPaths(all, now).filter((v) => !node || v.from === node || v.to === node);
  if (ctx.config.output === 'json') {
    printJson(ctx, {
      peers: all
        .filter((p) => !node || p.metadata.name === node)
        .map((p) => ({
          name: p.metadata.name,
          connected: p.status?.connected ?? false,
          natType: natTypeOf(p),
          nat: p.status?.nat,
          endpoint: p.spec.endpoint,
          endpointDiscoveryMethod: p.status?.endpointDiscoveryMethod,
          lastHandshakeAgeMs: ageOf(p.status?.lastHandshake, now),
          pathSummary: p.status?.pathSummary,
        })),
      paths: paths.map((v) => ({ ...v, fromNat: nat.get(v.from), toNat: nat.get(v.to) ?? 'unknown' })),
    });
    return 0;
  }
  if (all.length === 0) {
    ctx.out('No WireKubePeer objects: no agent has joined the mesh yet.\n');
    return 0;
  }
  const rows = paths.map((v) => [v.from, v.to, v.path, nat.get(v.from) ?? '-', nat.get(v.to) ?? 'unknown', humanAge(v.handshakeAgeMs), v.reason]);
  const silent = all.filter((p) => !p.status?.paths?.length && (!node || p.metadata.name === node));
  for (const p of silent) rows.push([p.metadata.name ?? '', '-', '-', natTypeOf(p), '-', humanAge(ageOf(p.status?.lastHandshake, now)), p.status ? 'publishes no paths yet' : 'no status yet (agent not running?)']);
  rows.sort((x, y) => x[0].localeCompare(y[0]) || x[1].localeCompare(y[1]));
  ctx.out(renderTable(['from', 'to', 'path', 'from nat', 'to nat', 'handshake', 'reason'], rows));
  return 0;
}

/** The error for a node name that is not a peer, listing the ones that are. */
export function unknownPeer(name: string, peers: readonly WireKubePeer[]): CliError {
  const names = peers.map((p) => p.metadata.name).sort();
  return new CliError('unknown-peer', `no WireKubePeer named "${name}" (peers: ${names.join(', ') || 'none'})`);
}
