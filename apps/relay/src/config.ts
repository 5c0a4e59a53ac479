import { durationFlag, hostPortFlag, intFlag, stringFlag, type ProgramSpec } from '@wirekube/runtime';

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
    queueBytes: intFlag({ description: 'Bytes queued per destination before new ones are dropped.', default: 1 << 20, min: 65_536, max: 1 << 30 }),
    maxQueuedBytes: intFlag({ description: 'Bytes queued across all destinations before datagrams are dropped as relay-overload.', default: 512 << 20, min: 1 << 20, max: 1 << 34 }),
    maxPendingHandshakes: intFlag({ description: 'Unauthenticated connections/streams in progress at once (per source IP: a sixteenth).', default: 1024, min: 16, max: 1_000_000 }),
    handshakeTimeout: durationFlag({ description: 'Time a client has to prove its key and register its data channel.', default: 5000, minMs: 100, maxMs: 60_000 }),
    probeAddress: hostPortFlag({ description: 'UDP address filtering probes are sent from (the alternate port); empty disables probes.', default: '0.0.0.0:0', optional: true }),
    probeAltIpAddress: hostPortFlag({ description: 'UDP address on a second IP for change-IP filtering probes; empty when the replica has one IP.', default: '', optional: true }),
    stunAddress: hostPortFlag({ description: 'UDP address of the embedded STUN server (its alternate port is the next one); empty disables it.', default: '', optional: true }),
  },
} satisfies Omit<ProgramSpec<never>, 'flags'> & { flags: object };
