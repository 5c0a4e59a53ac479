import { Gauge, type Registry } from 'prom-client';
import type { Agent } from './agent';
import { peerInfos } from './admin-service';

/**
 * Registers the agent's per-peer and per-node metrics, computed at scrape time from the agent's
 * state (no extra work between scrapes). Per-peer series are labelled by remote node name.
 */
export function registerAgentMetrics(registry: Registry, agent: Agent): void {
  const perPeer = (name: string, help: string, value: (p: ReturnType<typeof peerInfos>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['peer'],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of peerInfos(agent.state)) this.set({ peer: p.nodeName }, value(p));
      },
    });
  perPeer('wirekube_agent_peer_rx_bytes', 'Bytes received from the peer over WireGuard.', (p) => Number(p.rxBytes));
  perPeer('wirekube_agent_peer_tx_bytes', 'Bytes sent to the peer over WireGuard.', (p) => Number(p.txBytes));
  perPeer('wirekube_agent_peer_last_handshake_seconds', 'Unix time of the last handshake with the peer; 0 = never.', (p) => Number(p.lastHandshakeMs) / 1000);
  perPeer('wirekube_agent_peer_path', 'Path to the peer: 0 down, 1 direct, 2 relay.', (p) => (p.path === 1 ? 1 : p.path === 2 ? 2 : 0));
  new Gauge({
    name: 'wirekube_agent_reconciles',
    help: 'Reconciles run since start.',
    registers: [registry],
    collect() {
      this.set(agent.reconciles);
    },
  });
  new Gauge({
    name: 'wirekube_agent_status_writes',
    help: 'WireKubePeer status writes since start.',
    registers: [registry],
    collect() {
      this.set(agent.statusWrites);
    },
  });
  new Gauge({
    name: 'wirekube_agent_punches',
    help: 'Hole punches since start, by mode (direct, birthday) and result (won, failed).',
    labelNames: ['mode', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      const c = agent.state.pathCounters;
      if (!c) return;
      for (const mode of ['direct', 'birthday'] as const) for (const result of ['won', 'failed'] as const) this.set({ mode, result }, c.punches[mode][result]);
    },
  });
  new Gauge({
    name: 'wirekube_agent_path_failovers',
    help: 'Direct paths that stopped carrying traffic and moved back to the relay, since start.',
    registers: [registry],
    collect() {
      this.set(agent.state.pathCounters?.failovers ?? 0);
    },
  });
  new Gauge({
    name: 'wirekube_agent_relay_sessions',
    help: 'Relay replicas with an up session.',
    registers: [registry],
    collect() {
      this.set(agent.state.relaySessions.length);
    },
  });
}
