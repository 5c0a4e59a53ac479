import { hostPortFlag, stringFlag, type ProgramSpec } from '@wirekube/runtime';

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
  },
} satisfies Omit<ProgramSpec<never>, 'flags'> & { flags: object };
