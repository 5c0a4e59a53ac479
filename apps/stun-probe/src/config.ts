import { durationFlag, hostPortFlag, intFlag, listFlag, checkHostPort, stringFlag, FlagValueError, type ProgramSpec } from '@wirekube/runtime';
import { isIP } from 'node:net';

function checkIp(s: string): void {
  if (!isIP(s)) throw new FlagValueError(`"${s}" is not an IP address`);
}

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
    probeTimeout: durationFlag({ description: 'Default time budget of one NAT discovery.', default: 2000, minMs: 200, maxMs: 30_000 }),
    allocationSamples: intFlag({ description: 'Fresh mappings sampled to find the port-allocation pattern (0 skips it).', default: 5, min: 0, max: 32 }),
    interfacePoll: durationFlag({ description: 'How often interface addresses are compared; a change triggers a WatchNat re-probe.', default: 2000, minMs: 100 }),
    listenIps: listFlag({ description: '`serve`: one or two IPs to answer STUN on; two enable CHANGE-REQUEST across IPs (RFC 5780).', default: ['0.0.0.0'], item: checkIp }),
    stunPort: intFlag({ description: '`serve`: primary STUN port.', default: 3478, min: 1, max: 65535 }),
    altPort: intFlag({ description: '`serve`: alternate STUN port for CHANGE-REQUEST (0 disables).', default: 3479, min: 0, max: 65535 }),
    software: stringFlag({ description: '`serve`: SOFTWARE attribute of responses (empty omits it).', default: 'wirekube-stun-probe' }),
  },
} satisfies Omit<ProgramSpec<never>, 'flags'> & { flags: object };
