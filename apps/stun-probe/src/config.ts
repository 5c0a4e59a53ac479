import { durationFlag, hostPortFlag, listFlag, checkHostPort, type ProgramSpec } from '@wirekube/runtime';

/** Command line and environment of wirekube-stun-probe. */
export const stunProbeProgram = {
  name: 'wirekube-stun-probe',
  summary: 'discovers NAT behaviour for the agent next to it (gRPC), or serves STUN with `serve`',
  envPrefix: 'WIREKUBE_STUN_PROBE',
  positionals: '[serve]',
  flags: {
    grpcAddress: hostPortFlag({ description: 'Address of the StunProbe gRPC service for the agent.', default: '127.0.0.1:9471' }),
    stunServers: listFlag({ description: 'STUN servers (host:port, at least two for the fallback) probed by default.', default: [], item: checkHostPort }),
    probeInterval: durationFlag({ description: 'How often WatchNat re-probes when nothing else triggers it.', default: 60_000, minMs: 1000 }),
  },
} satisfies Omit<ProgramSpec<never>, 'flags'> & { flags: object };
