import { lookup } from 'node:dns/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { MESH_DEFAULTS } from '@wirekube/k8s';
import { ROUTE_TABLE } from '@wirekube/planner';
import { agentFindings, probeAgent, type AgentProbe } from '../agent-admin';
import { diagnose, type Finding } from '../doctor';
import { gatherNodeFacts, ipJson, type NodeFacts } from '../node-facts';
import { CliError } from '../mesh-source';
import { renderTable } from '../table';
import { printJson, type CommandContext } from './context';

/** Where doctor reads the node; the real host by default. */
export interface DoctorDeps {
  gather(o: { interfaceName: string; apiHost?: string }): Promise<NodeFacts>;
  agent(socket: string, timeoutMs: number): Promise<AgentProbe>;
}

/** The real node (iproute2, /proc, /sys). */
export const realDoctorDeps: DoctorDeps = {
  gather: ({ interfaceName, apiHost }) =>
    gatherNodeFacts({ ip: ipJson(), interfaceName, table: ROUTE_TABLE, listenPort: MESH_DEFAULTS.listenPort, apiHost, resolve: async (h) => (await lookup(h, { family: 4 })).address }),
  agent: probeAgent,
};

/** The API server host from the kubeconfig (or in-cluster env); undefined when there is none. */
function apiHost(kubeconfig: string, context: string): string | undefined {
  try {
    const kc = new KubeConfig();
    if (kubeconfig) kc.loadFromFile(kubeconfig);
    else kc.loadFromDefault();
    if (context) kc.setCurrentContext(context);
    const server = kc.getCurrentCluster()?.server;
    return server ? new URL(server).hostname.replace(/^\[|\]$/g, '') : undefined;
  } catch {
    return undefined;
  }
}

/** `wirekubectl doctor`: node prerequisites and conflicts, plus the local agent's own view; exit 1 when any check fails. */
export async function doctorCommand(ctx: CommandContext, deps: DoctorDeps = realDoctorDeps): Promise<number> {
  if (ctx.args.length) throw new CliError('usage', `doctor takes no arguments, got ${ctx.args.join(' ')}`, 2);
  const facts = await deps.gather({ interfaceName: ctx.config.interfaceName, apiHost: apiHost(ctx.config.kubeconfig, ctx.config.context) });
  const findings: Finding[] = [...diagnose(facts, { interfaceName: ctx.config.interfaceName }), ...agentFindings(await deps.agent(ctx.config.adminSocket, ctx.config.timeout))];
  const failed = findings.filter((f) => f.status === 'fail').length;
  if (ctx.config.output === 'json') printJson(ctx, { findings, failed });
  else {
    ctx.out(renderTable(['check', 'status', 'detail'], findings.map((f) => [f.check, f.status.toUpperCase(), f.detail])));
    ctx.out(failed ? `\n${failed} check${failed > 1 ? 's' : ''} failed.\n` : '\nNo blocking problems found.\n');
  }
  return failed ? 1 : 0;
}
