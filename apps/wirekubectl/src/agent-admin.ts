/**
 * The local agent's view, read over its AgentAdmin gRPC service on a unix socket (the agent's
 * `--admin-socket`). Optional: when the socket is absent the agent is not running here, which
 * `doctor` reports as information, not as a failure.
 */
import { existsSync } from 'node:fs';
import { credentials, Metadata } from '@grpc/grpc-js';
import { AgentAdminClient, type AgentStatus } from '@wirekube/proto';
import { errorMessage } from '@wirekube/util';
import type { Finding } from './doctor';

/** What reading the socket gave: no socket, an error, or the status. */
export type AgentProbe = { kind: 'absent'; socket: string } | { kind: 'error'; socket: string; message: string } | { kind: 'status'; socket: string; status: AgentStatus };

/** Calls GetStatus on `socket` within `timeoutMs`. Never throws. */
export async function probeAgent(socket: string, timeoutMs: number): Promise<AgentProbe> {
  if (!existsSync(socket)) return { kind: 'absent', socket };
  const client = new AgentAdminClient(`unix:${socket}`, credentials.createInsecure());
  try {
    const status = await new Promise<AgentStatus>((resolve, reject) =>
      client.getStatus({}, new Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res))),
    );
    return { kind: 'status', socket, status };
  } catch (err) {
    return { kind: 'error', socket, message: errorMessage(err) };
  } finally {
    client.close();
  }
}

/** Findings about the local agent. Pure. */
export function agentFindings(p: AgentProbe): Finding[] {
  if (p.kind === 'absent') return [{ check: 'agent', status: 'info', detail: `no agent admin socket at ${p.socket}: the agent is not running on this node` }];
  if (p.kind === 'error') return [{ check: 'agent', status: 'warn', detail: `the agent admin socket ${p.socket} did not answer: ${p.message}` }];
  const s = p.status;
  const out: Finding[] = [
    {
      check: 'agent',
      status: 'ok',
      detail: `${s.nodeName} (agent ${s.version || '?'}): ${s.backend || 'no'} WireGuard on ${s.interfaceName}:${s.listenPort}, mesh address ${s.meshIp || 'none'}, peers ${s.peersDirect} direct / ${s.peersRelay} relay / ${s.peersDown} without a path`,
    },
  ];
  if (s.relaySessions.length === 0) out.push({ check: 'agent', status: 'warn', detail: 'no relay session: check relay.endpoints and TCP 3478/3479 to the relay' });
  if (s.peersDown > 0) out.push({ check: 'agent', status: 'warn', detail: `${s.peersDown} peer(s) without a path: wirekubectl peers ${s.nodeName} shows why` });
  return out;
}
