import type { WireKubeMesh, WireKubePeer } from '@wirekube/k8s';
import { MESH_DEFAULTS } from '@wirekube/k8s';
import { formatCidr, parseCidr, parseHostPort, type HostPort, type MeshConfig, type MeshPeer } from '@wirekube/planner';
import { WgKey } from '@wirekube/wg';

/** A translation outcome: the domain value, or a reason fit for a condition. */
export type Translated<T> = { ok: true; value: T } | { ok: false; reason: string; message: string };

/**
 * WireKubeMesh → MeshConfig with every default applied. The API server validates the schema, but
 * the agent re-checks what it depends on (objects may predate a schema change, or come from a
 * server that skipped validation): a bad mesh is refused as a whole and the caller keeps the last
 * good one.
 */
export function meshFromObject(obj: WireKubeMesh): Translated<MeshConfig> {
  const s = obj.spec ?? ({} as WireKubeMesh['spec']);
  const bad = (message: string): Translated<MeshConfig> => ({ ok: false, reason: 'InvalidMeshSpec', message });
  const stun: HostPort[] = [];
  for (const text of s.stunServers ?? []) {
    const hp = parseHostPort(text);
    if (!hp.ok) return bad(`stunServers: ${hp.reason}`);
    stun.push(hp.value);
  }
  const relayEndpoints: HostPort[] = [];
  for (const text of s.relay?.endpoints ?? []) {
    const hp = parseHostPort(text);
    if (!hp.ok) return bad(`relay.endpoints: ${hp.reason}`);
    relayEndpoints.push(hp.value);
  }
  const meshCidr = s.meshCIDR ?? MESH_DEFAULTS.meshCIDR;
  if (!parseCidr(meshCidr).ok) return bad(`meshCIDR: ${meshCidr} is not a CIDR`);
  const excludes: string[] = [];
  for (const text of s.routing?.excludeCIDRs ?? []) {
    const c = parseCidr(text);
    if (!c.ok) return bad(`routing.excludeCIDRs: ${c.reason}`);
    excludes.push(formatCidr(c.value));
  }
  const mtu = s.mtu ?? MESH_DEFAULTS.mtu;
  if (mtu !== 'auto' && (!Number.isInteger(mtu) || mtu < 1280 || mtu > 9000)) return bad(`mtu: ${String(mtu)} is outside 1280–9000`);
  const listenPort = s.listenPort ?? MESH_DEFAULTS.listenPort;
  if (!Number.isInteger(listenPort) || listenPort < 1 || listenPort > 65535) return bad(`listenPort: ${listenPort} is not a port`);
  return {
    ok: true,
    value: {
      listenPort,
      interfaceName: s.interfaceName ?? MESH_DEFAULTS.interfaceName,
      mtu,
      stunServers: stun,
      meshCidr,
      includeNodeInternalIp: s.autoAllowedIPs?.includeNodeInternalIP ?? false,
      excludeCidrs: [...new Set(excludes)].sort(),
      birthdayAttack: s.natTraversal?.birthdayAttack === 'enabled',
      relay: { mode: s.relay?.mode ?? 'auto', endpoints: relayEndpoints, transport: s.relay?.transport ?? 'tcp' },
    },
  };
}

/**
 * WireKubePeer → MeshPeer. An invalid public key, endpoint or AllowedIPs entry rejects the peer
 * (and only that peer) with reason `InvalidPeerSpec` naming the field.
 */
export function peerFromObject(obj: WireKubePeer): Translated<MeshPeer> {
  const name = obj.metadata?.name ?? '';
  const bad = (message: string): Translated<MeshPeer> => ({ ok: false, reason: 'InvalidPeerSpec', message: `${name}: ${message}` });
  const spec = obj.spec ?? ({} as WireKubePeer['spec']);
  if (typeof spec.publicKey !== 'string') return bad('spec.publicKey is missing');
  try {
    WgKey.fromBase64(spec.publicKey);
  } catch (err) {
    return bad(`spec.publicKey: ${err instanceof Error ? err.message : String(err)}`);
  }
  let endpoint: HostPort | undefined;
  if (spec.endpoint) {
    const hp = parseHostPort(spec.endpoint);
    if (!hp.ok) return bad(`spec.endpoint: ${hp.reason}`);
    endpoint = hp.value;
  }
  const allowed = new Set<string>();
  for (const text of spec.allowedIPs ?? []) {
    const c = parseCidr(text);
    if (!c.ok) return bad(`spec.allowedIPs: ${c.reason}`);
    allowed.add(formatCidr(c.value));
  }
  const status = obj.status;
  return {
    ok: true,
    value: {
      name,
      publicKey: spec.publicKey,
      ...(endpoint && { endpoint }),
      allowedIps: [...allowed].sort(),
      persistentKeepaliveSec: spec.persistentKeepalive ?? MESH_DEFAULTS.persistentKeepalive,
      natType: status?.natType ?? 'unknown',
      ...(status?.nat && { nat: { ...status.nat, portDelta: status.nat.portDelta ?? 0 } }),
      terminating: obj.metadata?.deletionTimestamp !== undefined,
    },
  };
}
