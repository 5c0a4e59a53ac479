import { hostPortFlag, intFlag, stringFlag, type ProgramSpec } from '@wirekube/runtime';

/** Command line and environment of wirekube-relay. */
export const relayProgram = {
  name: 'wirekube-relay',
  summary: 'forwards WireGuard datagrams between authenticated agents that cannot reach each other directly',
  envPrefix: 'WIREKUBE_RELAY',
  flags: {
    dataAddress: hostPortFlag({ description: 'TCP address of the framed data channel.', default: '0.0.0.0:3478' }),
    controlAddress: hostPortFlag({ description: 'Address of the gRPC control channel (sessions, presence, punching, probes).', default: '0.0.0.0:3479' }),
    keyFile: stringFlag({ description: "Path of the relay's X25519 private key (created 0600 when missing).", default: '/var/lib/wirekube/relay.key' }),
    replicaId: stringFlag({ description: 'Name of this replica in presence and stats; the pod name by default.', default: '', env: 'POD_NAME' }),
    queueFrames: intFlag({ description: 'Frames queued per destination before new ones are dropped.', default: 1024, min: 16, max: 1_000_000 }),
  },
} satisfies Omit<ProgramSpec<never>, 'flags'> & { flags: object };
