import { durationFlag, enumFlag, hostPortFlag, intFlag, listFlag, checkHostPort, stringFlag, type ProgramSpec } from '@wirekube/runtime';

/** Command line and environment of wirekube-agent. */
export const agentProgram = {
  name: 'wirekube-agent',
  summary: 'joins this node to the WireKube mesh: WireGuard device, WireKubePeer, routes, relay and direct paths',
  envPrefix: 'WIREKUBE_AGENT',
  positionals: '[cleanup]',
  flags: {
    nodeName: stringFlag({ description: 'Name of the Kubernetes Node this agent runs on.', default: '', env: 'NODE_NAME', pattern: /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, patternHint: 'a DNS-1123 subdomain' }),
    kubeconfig: stringFlag({ description: 'Kubeconfig file; empty means in-cluster service account.', default: '', env: 'KUBECONFIG' }),
    meshName: stringFlag({ description: 'Name of the WireKubeMesh object to join.', default: 'default' }),
    keyFile: stringFlag({ description: 'Path of the WireGuard private key (created 0600 when missing).', default: '/var/lib/wirekube/private.key' }),
    wireguardBackend: enumFlag({ description: 'WireGuard implementation: kernel, userspace (wireguard-go) or auto.', default: 'auto', values: ['auto', 'kernel', 'userspace'] as const }),
    wireguardGo: stringFlag({ description: 'wireguard-go binary started when the userspace backend is used.', default: 'wireguard-go' }),
    stunProbeAddress: hostPortFlag({ description: 'Address of the stun-probe sidecar gRPC service.', default: '127.0.0.1:9471' }),
    relayAddresses: listFlag({ description: 'Relay control endpoints (host:port); overrides the mesh relay settings.', default: [], item: checkHostPort }),
    adminSocket: stringFlag({ description: 'Unix socket of the AgentAdmin gRPC service used by wirekubectl.', default: '/var/run/wirekube/agent.sock' }),
    statusInterval: durationFlag({ description: 'Interval for writing counter-only changes of this node\'s WireKubePeer status (the steady-state write rate).', default: 30_000, minMs: 1000 }),
    wireguardSocketDir: stringFlag({ description: 'Directory of userspace WireGuard UAPI sockets (wireguard-go).', default: '/var/run/wireguard' }),
    relayControlPort: intFlag({ description: 'gRPC control port of relay replicas listed in the mesh (the mesh lists data-channel endpoints).', default: 3479, min: 1, max: 65535 }),
    relayDataPort: intFlag({ description: 'Data-channel port of replicas given with --relay-addresses (which name control endpoints).', default: 3478, min: 1, max: 65535 }),
    statsInterval: durationFlag({ description: 'How often WireGuard counters are read to judge handshakes and status.', default: 2000, minMs: 100 }),
    statusMinGap: durationFlag({ description: 'Least time between two status writes, even for real changes.', default: 1000, minMs: 100 }),
    gatewayControllerAddress: hostPortFlag({ description: 'GatewayControl gRPC address of wirekube-gateway-controller (WireKubeGateway roles, SNAT, health probes); empty disables gateways on this node.', default: '', optional: true }),
    pathSampleInterval: durationFlag({ description: 'How often WireGuard counters feed the per-peer path machines (roaming, silence on a direct path); failover within 3 s needs ≤ 250ms.', default: 250, minMs: 50 }),
    adoptGrace: durationFlag({ description: 'After a restart, how long the data plane is left as found while paths come back.', default: 5000, minMs: 0 }),
  },
} satisfies Omit<ProgramSpec<never>, 'flags'> & { flags: object };
