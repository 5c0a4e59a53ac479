import { durationFlag, hostPortFlag, stringFlag, type ProgramSpec } from '@wirekube/runtime';

/** Command line and environment of wirekube-gateway-controller. */
export const gatewayControllerProgram = {
  name: 'wirekube-gateway-controller',
  summary: 'elects healthy gateway nodes for WireKubeGateway objects and streams their assignments to agents',
  envPrefix: 'WIREKUBE_GATEWAY',
  flags: {
    kubeconfig: stringFlag({ description: 'Kubeconfig file; empty means in-cluster service account.', default: '', env: 'KUBECONFIG' }),
    grpcAddress: hostPortFlag({ description: 'Address of the GatewayControl gRPC service agents connect to.', default: '0.0.0.0:9475' }),
    leaseNamespace: stringFlag({ description: 'Namespace of the leader-election Lease.', default: 'wirekube-system' }),
    identity: stringFlag({ description: 'Leader-election identity; the pod name by default.', default: '', env: 'POD_NAME' }),
    leaseDuration: durationFlag({ description: 'How long a silent leader keeps the Lease before a standby takes over.', default: 15_000, minMs: 1_000, maxMs: 300_000 }),
    renewDeadline: durationFlag({ description: 'A leader that cannot renew within this steps down.', default: 10_000, minMs: 500, maxMs: 300_000 }),
    retryPeriod: durationFlag({ description: 'Interval between Lease attempts.', default: 2_000, minMs: 100, maxMs: 60_000 }),
    statusMinInterval: durationFlag({ description: 'Minimum time between two status writes of one WireKubeGateway.', default: 1_000, minMs: 0, maxMs: 600_000 }),
    drainTimeout: durationFlag({ description: 'How long shutdown waits for gRPC calls to finish.', default: 5_000, minMs: 0, maxMs: 120_000 }),
  },
} satisfies Omit<ProgramSpec<never>, 'flags'> & { flags: object };
