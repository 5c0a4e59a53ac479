import { explainPair } from '../explain';
import { CliError } from '../mesh-source';
import { humanAge } from '../table';
import type { PathView } from '../mesh-view';
import { printJson, type CommandContext } from './context';
import { unknownPeer } from './peers';

function describePath(v: PathView | undefined, from: string, to: string): string {
  if (!v) return `${from} → ${to}: nothing published yet`;
  const extra = [v.endpoint && `endpoint ${v.endpoint}`, v.sinceMs !== undefined && `for ${humanAge(v.sinceMs)}`, v.handshakeAgeMs !== undefined && `handshake ${humanAge(v.handshakeAgeMs)} ago`].filter(Boolean);
  return `${from} → ${to}: ${v.path}${extra.length ? ` (${extra.join(', ')})` : ''} — ${v.reason}`;
}

/** `wirekubectl explain A B`: why the pair is direct or relayed and what would change it. */
export async function explainCommand(ctx: CommandContext): Promise<number> {
  if (ctx.args.length !== 2) throw new CliError('usage', 'explain needs two node names: wirekubectl explain NODE_A NODE_B', 2);
  const [na, nb] = ctx.args;
  if (na === nb) throw new CliError('usage', `explain needs two different nodes, got "${na}" twice`, 2);
  const src = ctx.source();
  const [mesh, peers] = await Promise.all([src.mesh(ctx.config.mesh), src.peers()]);
  const a = peers.find((p) => p.metadata.name === na);
  const b = peers.find((p) => p.metadata.name === nb);
  if (!a) throw unknownPeer(na, peers);
  if (!b) throw unknownPeer(nb, peers);
  const e = explainPair(a, b, { birthday: mesh.spec.natTraversal?.birthdayAttack === 'enabled', meshName: ctx.config.mesh, nowMs: ctx.nowMs() });
  if (ctx.config.output === 'json') {
    printJson(ctx, e);
    return 0;
  }
  const lines = [
    `${na} ↔ ${nb}`,
    '',
    'Published paths:',
    `  ${describePath(e.aToB, na, nb)}`,
    `  ${describePath(e.bToA, nb, na)}`,
    '',
    'NAT behaviour:',
    `  ${na}: ${e.natA}`,
    `  ${nb}: ${e.natB}`,
    '',
    ...(e.plan ? ['Hole-punch planner (libs/nat) on the published NAT behaviour:', `  ${e.plan.kind} — ${e.plan.reason}`, ''] : []),
    'Verdict:',
    `  ${e.verdict}`,
  ];
  if (e.changes.length) lines.push('', e.plan?.kind === 'relay' ? 'What would make it direct:' : 'What would change it:', ...e.changes.map((c) => `  - ${c}`));
  ctx.out(`${lines.join('\n')}\n`);
  return 0;
}
