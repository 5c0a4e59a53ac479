/**
 * A small mesh on the in-memory API server TEST DOUBLE (`@wirekube/kube-api`), installed the
 * way a user would: CRDs first, then objects, then status through the status subresource.
 * Three nodes: a port-restricted cone, a full cone and a random-port symmetric NAT.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wireKubeCrds, type PeerStatus } from '@wirekube/k8s';
import { KubeApiServer } from '@wirekube/kube-api';

/** Fixed "now" of the fixture, so ages print deterministically. */
export const NOW_MS = Date.parse('2026-05-01T12:00:00Z');
const ago = (s: number) => new Date(NOW_MS - s * 1000).toISOString();

/** The fixture's peers: spec endpoint and status. */
export const PEERS: Array<{ name: string; key: string; endpoint?: string; status: PeerStatus }> = [
  {
    name: 'node-a',
    key: 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
    endpoint: '203.0.113.10:51822',
    status: {
      connected: true,
      natType: 'port-restricted-cone',
      nat: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', portPattern: 'preserving' },
      pathSummary: { direct: 1, relay: 1, none: 0 },
      paths: [
        { peer: 'node-b', path: 'direct', reason: 'port-restricted↔full-cone: both mappings endpoint-independent, simultaneous punch', endpoint: '198.51.100.20:51822', since: ago(600), lastHandshake: ago(12) },
        { peer: 'node-c', path: 'relay', reason: 'port-restricted↔symmetric: direct impossible without port prediction (birthday attack disabled)', since: ago(900), lastHandshake: ago(45) },
      ],
      lastHandshake: ago(12),
    },
  },
  {
    name: 'node-b',
    key: 'TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=',
    endpoint: '198.51.100.20:51822',
    status: {
      connected: true,
      natType: 'full-cone',
      nat: { mapping: 'endpoint-independent', filtering: 'endpoint-independent', portPattern: 'preserving' },
      pathSummary: { direct: 2, relay: 0, none: 0 },
      paths: [
        { peer: 'node-a', path: 'direct', reason: 'full-cone↔port-restricted: both mappings endpoint-independent, simultaneous punch', since: ago(600), lastHandshake: ago(12) },
        { peer: 'node-c', path: 'direct', reason: 'full-cone↔symmetric: the full-cone side accepts the symmetric side\'s new mapping', since: ago(300), lastHandshake: ago(3) },
      ],
    },
  },
  {
    name: 'node-c',
    key: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    endpoint: '192.0.2.30:40001',
    status: {
      connected: true,
      natType: 'symmetric',
      nat: { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', portPattern: 'random' },
      pathSummary: { direct: 1, relay: 1, none: 0 },
      paths: [
        { peer: 'node-a', path: 'relay', reason: 'symmetric↔port-restricted: direct impossible without port prediction (birthday attack disabled)', since: ago(900) },
        { peer: 'node-b', path: 'direct', reason: 'symmetric↔full-cone: the full-cone side accepts the symmetric side\'s new mapping', since: ago(300), lastHandshake: ago(3) },
      ],
    },
  },
];

/** A started API server with the mesh installed, its kubeconfig, and a stop function. */
export interface Cluster {
  server: KubeApiServer;
  kubeconfig: string;
  dir: string;
  stop(): Promise<void>;
}

async function send(server: KubeApiServer, method: string, path: string, body: unknown, contentType = 'application/json'): Promise<void> {
  const res = await fetch(`${server.url}${path}`, { method, body: JSON.stringify(body), headers: { 'content-type': contentType } });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

/** Starts the API server; installs CRDs and objects unless `empty` ('no-crds' leaves even the CRDs out). */
export async function startCluster(o: { install?: 'all' | 'crds-only' | 'nothing' } = {}): Promise<Cluster> {
  const server = await new KubeApiServer().start();
  const dir = mkdtempSync(join(tmpdir(), 'wirekubectl-'));
  const kubeconfig = server.writeKubeconfig(join(dir, 'kubeconfig'));
  const install = o.install ?? 'all';
  const base = '/apis/wirekube.io/v1alpha1';
  if (install !== 'nothing') for (const crd of wireKubeCrds) await send(server, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  if (install === 'all') {
    await send(server, 'POST', `${base}/wirekubemeshes`, {
      apiVersion: 'wirekube.io/v1alpha1',
      kind: 'WireKubeMesh',
      metadata: { name: 'default' },
      spec: { stunServers: ['stun.example.net:3478', '192.0.2.1:3478'], relay: { mode: 'auto', endpoints: ['relay.example.net:3478'] } },
    });
    for (const p of PEERS) {
      await send(server, 'POST', `${base}/wirekubepeers`, { apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubePeer', metadata: { name: p.name }, spec: { publicKey: p.key, endpoint: p.endpoint } });
      await send(server, 'PATCH', `${base}/wirekubepeers/${p.name}/status`, { status: p.status }, 'application/merge-patch+json');
    }
    await send(server, 'POST', `${base}/wirekubegateways`, {
      apiVersion: 'wirekube.io/v1alpha1',
      kind: 'WireKubeGateway',
      metadata: { name: 'vpc' },
      spec: { peerRefs: ['node-b'], routes: [{ cidr: '10.100.0.0/16' }] },
    });
    await send(server, 'PATCH', `${base}/wirekubegateways/vpc/status`, { status: { activePeer: 'node-b', ready: true, routesInjected: 1 } }, 'application/merge-patch+json');
  }
  return {
    server,
    kubeconfig,
    dir,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
