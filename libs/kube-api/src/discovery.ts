/**
 * Discovery documents (`/version`, `/api`, `/apis`, group and group/version resource lists), built
 * from the currently served types so an installed CRD shows up at once — `kubectl` resolves short
 * names such as `wkpeer` from these lists.
 */
import { apiVersionOf, type ResourceType } from './resource-types';

/** Version reported at `/version`: the API level the stand-in imitates. */
export const SERVED_KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-wirekube-kube-api' };

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** `/version`. */
export function versionInfo(): Record<string, unknown> {
  return {
    ...SERVED_KUBERNETES_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'n/a (wirekube kube-api test double, Node.js)',
    compiler: 'n/a',
    platform: `${process.platform}/${process.arch}`,
  };
}

/** `/api`. */
export function coreVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupsOf(types: ResourceType[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const t of types) {
    if (!t.group) continue;
    const vs = groups.get(t.group) ?? [];
    if (!vs.includes(t.version)) vs.push(t.version);
    groups.set(t.group, vs);
  }
  return groups;
}

function groupDoc(name: string, versions: string[]): Record<string, unknown> {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

/** `/apis`. */
export function groupList(types: ResourceType[]): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groupsOf(types)].map(([g, vs]) => groupDoc(g, vs)) };
}

/** `/apis/<group>`, or undefined when the group is not served. */
export function group(types: ResourceType[], name: string): Record<string, unknown> | undefined {
  const vs = groupsOf(types).get(name);
  return vs ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(name, vs) } : undefined;
}

/** `/api/v1` or `/apis/<group>/<version>`, or undefined when nothing is served there. */
export function resourceList(types: ResourceType[], grp: string, version: string): Record<string, unknown> | undefined {
  const here = types.filter((t) => t.group === grp && t.version === version);
  if (here.length === 0) return undefined;
  const resources = here.flatMap((t) => {
    const main = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
    };
    const status = { name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] };
    return t.statusSubresource ? [main, status] : [main];
  });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group: grp, version }), resources };
}
