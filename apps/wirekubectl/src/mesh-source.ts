/**
 * Where the CLI reads the mesh from: a narrow port (so commands are tested against snapshots)
 * and its adapter over a kubeconfig with client-node. Every failure becomes a {@link CliError}
 * that says what to do: a bad kubeconfig, an unreachable API server, missing CRDs, a missing mesh.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, wireKubeApis, type WireKubeGateway, type WireKubeMesh, type WireKubePeer } from '@wirekube/k8s';
import { errorMessage, WireKubeError } from '@wirekube/util';

/** A failure to show the user as is (no stack), with the process exit code. */
export class CliError extends WireKubeError {
  constructor(
    code: string,
    message: string,
    readonly exitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Read access to the WireKube resources. */
export interface MeshSource {
  /** Where the data comes from, for messages (the API server URL). */
  readonly origin: string;
  /** The mesh object; throws CliError `mesh-not-found` when it does not exist. */
  mesh(name: string): Promise<WireKubeMesh>;
  peers(): Promise<WireKubePeer[]>;
  gateways(): Promise<WireKubeGateway[]>;
}

/** Options of {@link kubeMeshSource}. */
export interface KubeSourceOptions {
  /** Kubeconfig path; empty = client-node's default chain ($KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfig: string;
  /** Context name; empty = current context. */
  context: string;
  /** Budget of each call in ms. */
  timeoutMs: number;
}

/** Loads the kubeconfig (failing with a clear CliError) and returns a source over `@wirekube/k8s` clients. */
export function kubeMeshSource(o: KubeSourceOptions): MeshSource {
  const kc = loadKubeconfig(o);
  const server = kc.getCurrentCluster()?.server ?? '';
  const apis = wireKubeApis(kc);
  const call = <T>(what: string, fn: () => Promise<T>) => withTimeout(fn(), o.timeoutMs, server).catch((err) => Promise.reject(describe(err, what, server)));
  return {
    origin: server,
    async mesh(name) {
      const mesh = await call(`get wirekubemesh ${name}`, () => apis.meshes.get(name));
      if (mesh) return mesh;
      // get() folds "no such object" and "no such resource type" into undefined; a list tells them apart.
      const others = await call('list wirekubemeshes', () => apis.meshes.list());
      const names = others.items.map((m) => m.metadata.name).join(', ');
      throw new CliError('mesh-not-found', `WireKubeMesh "${name}" not found at ${server} (${names ? `meshes: ${names}; pick one with --mesh` : 'create one: docs/install.md'})`);
    },
    peers: async () => (await call('list wirekubepeers', () => apis.peers.list())).items,
    gateways: async () => (await call('list wirekubegateways', () => apis.gateways.list())).items,
  };
}

function loadKubeconfig(o: KubeSourceOptions): KubeConfig {
  const kc = new KubeConfig();
  const where = o.kubeconfig || process.env.KUBECONFIG || '~/.kube/config';
  try {
    if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    throw new CliError('bad-kubeconfig', `cannot load kubeconfig ${where}: ${errorMessage(err)}`, 1, { cause: err });
  }
  if (o.context) {
    if (!kc.getContextObject(o.context)) throw new CliError('bad-kubeconfig', `kubeconfig ${where} has no context "${o.context}" (it has: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    kc.setCurrentContext(o.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new CliError('bad-kubeconfig', `kubeconfig ${where} names no cluster server for context "${kc.getCurrentContext() || '(none)'}"`);
  return kc;
}

function withTimeout<T>(p: Promise<T>, ms: number, server: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CliError('api-timeout', `the API server at ${server} did not answer within ${ms}ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EAI_AGAIN: 'DNS lookup failed',
};

/** Turns a `@wirekube/k8s` client failure into a CliError naming the server and the fix. */
export function describe(err: unknown, what: string, server: string): CliError {
  if (err instanceof CliError) return err;
  const status = err instanceof KubeApiError ? err.status : 0;
  if (status === 404) return new CliError('crds-missing', `${what}: the WireKube CRDs are not installed at ${server} (kubectl apply -k deploy/base)`, 1, { cause: err });
  if (status === 401 || status === 403) return new CliError('forbidden', `${what}: the API server at ${server} refused (${status}): ${errorMessage(err)}`, 1, { cause: err });
  if (status) return new CliError('api-error', `the API server at ${server} answered ${status}: ${errorMessage(err)}`, 1, { cause: err });
  const code = findCode(err);
  if (code && NETWORK_CODES[code]) return new CliError('api-unreachable', `cannot reach the API server at ${server}: ${NETWORK_CODES[code]} (${code})`, 1, { cause: err });
  return new CliError('api-error', `${what} at ${server}: ${errorMessage(err)}`, 1, { cause: err });
}

/** The errno code of a network error, wherever fetch wrapped it. */
function findCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string' && e.code.startsWith('E')) return e.code;
  }
  return undefined;
}
