import { boolFlag, durationFlag, hostPortFlag, intFlag, stringFlag, type ProgramSpec } from '@wirekube/runtime';

/** Command line and environment of wirekube-kube-api. */
export const kubeApiProgram = {
  name: 'wirekube-kube-api',
  summary:
    'an in-memory Kubernetes API server TEST DOUBLE for tests and the local demo (not a Kubernetes distribution: no auth, loopback only); prints the path of a kubeconfig for kubectl',
  envPrefix: 'WIREKUBE_KUBE_API',
  flags: {
    listen: hostPortFlag({ description: 'Address to serve the Kubernetes API on (port 0 = any free port).', default: '127.0.0.1:0' }),
    kubeconfig: stringFlag({ description: 'Where to write the kubeconfig; default <tmpdir>/wirekube-kube-api-<port>.kubeconfig.', default: '' }),
    dataFile: stringFlag({ description: 'JSON file the objects are loaded from and saved to; empty keeps them in memory only.', default: '' }),
    installCrds: boolFlag({ description: 'Install the WireKube CRDs at start (as `kubectl apply -f deploy/crds/` would).', default: false }),
    historyLimit: intFlag({ description: 'Change events kept for watch resumption; older resourceVersions get 410 Gone.', default: 10_000, min: 10, max: 10_000_000 }),
    bookmarkInterval: durationFlag({ description: 'Interval of BOOKMARK events on watches that allow them.', default: 5000, minMs: 10, maxMs: 600_000 }),
  },
} satisfies Omit<ProgramSpec<never>, 'flags'> & { flags: object };
