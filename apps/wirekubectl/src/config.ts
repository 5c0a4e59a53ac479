import { boolFlag, checkHostPort, durationFlag, enumFlag, listFlag, stringFlag, type ProgramSpec } from '@wirekube/runtime';

/** Output styles: aligned tables for people, JSON for scripts. */
export const OUTPUT_FORMATS = ['table', 'json'] as const;

/** Command line and environment of wirekubectl (one flag set shared by every command). */
export const wirekubectlProgram = {
  name: 'wirekubectl',
  summary: 'shows, explains and repairs a WireKube mesh: paths, NAT types, node prerequisites',
  envPrefix: 'WIREKUBECTL',
  positionals: `<command> [args]

Commands:
  status              mesh summary: settings, peers ready, paths, NAT types, gateways
  peers [NODE]        every path between nodes: direct or relay, NAT types, reason, handshake age
  netcheck            NAT behaviour of this machine, probed against the mesh's STUN servers
  explain NODE NODE   why a pair is direct or relayed, and what would change it
  graph               the mesh as a picture: SVG (or DOT with --format=dot)
  doctor              node prerequisites and conflicts (TUN, WireGuard, rules, routes, API path)
  cleanup             remove everything WireKube installed on this node (asks for --yes)`,
  flags: {
    kubeconfig: stringFlag({ description: 'Kubeconfig file; empty means $KUBECONFIG, ~/.kube/config, then in-cluster.', default: '' }),
    context: stringFlag({ description: 'Kubeconfig context; empty means the current context.', default: '' }),
    mesh: stringFlag({ description: 'Name of the WireKubeMesh object.', default: 'default' }),
    output: enumFlag({ description: 'Output format.', default: 'table', values: OUTPUT_FORMATS }),
    timeout: durationFlag({ description: 'Budget for each API call and for the NAT probe.', default: 5000, minMs: 100, maxMs: 120_000 }),
    stunServers: listFlag({ description: 'netcheck: STUN servers (host:port) instead of the mesh\'s.', default: [], item: checkHostPort }),
    format: enumFlag({ description: 'graph: picture format.', default: 'svg', values: ['svg', 'dot'] as const }),
    out: stringFlag({ description: 'graph: write to this file instead of stdout.', default: '' }),
    interfaceName: stringFlag({ description: 'doctor/cleanup: the WireGuard interface name.', default: 'wire_kube' }),
    adminSocket: stringFlag({ description: "doctor: the agent's AgentAdmin unix socket (read when present).", default: '/var/run/wirekube/agent.sock' }),
    keyFile: stringFlag({ description: 'cleanup: the node private key file to remove.', default: '/var/lib/wirekube/private.key' }),
    keepKey: boolFlag({ description: 'cleanup: keep the private key (the node keeps its identity).', default: false }),
    yes: boolFlag({ description: 'cleanup: really remove; without it, only show what would be removed.', default: false }),
  },
} satisfies Omit<ProgramSpec<never>, 'flags'> & { flags: object };

/** The parsed flags. */
export type CliConfig = { [K in keyof typeof wirekubectlProgram.flags]: ReturnType<(typeof wirekubectlProgram.flags)[K]['parse']> };
