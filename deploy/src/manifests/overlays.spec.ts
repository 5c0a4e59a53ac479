import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cidrsOverlap, parseCidr, type Cidr } from '@wirekube/planner';
import { DEPLOY_DIR, renderKustomization, type K8sObject } from './render';

function cidr(text: string): Cidr {
  const p = parseCidr(text);
  assert.ok(p.ok, `${text} is not a CIDR`);
  return p.value;
}
const find = (objects: K8sObject[], kind: string, name: string) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} missing`);
  return o as K8sObject & { spec: Record<string, unknown> };
};

describe('overlays/eks-hybrid', () => {
  const objects = renderKustomization('overlays/eks-hybrid');
  const values = parse(readFileSync(join(DEPLOY_DIR, 'overlays/eks-hybrid/cilium-values.yaml'), 'utf8'));
  const mesh = find(objects, 'WireKubeMesh', 'default').spec as { meshCIDR: string; stunServers: string[]; relay: { endpoints: string[] }; routing: { excludeCIDRs: string[] } };
  const gateway = find(objects, 'WireKubeGateway', 'hybrid-gateway').spec as { routes: Array<{ cidr: string }>; peerRefs: string[] };

  it('points agents at the public API endpoint, the one Cilium uses too', () => {
    const ds = find(objects, 'DaemonSet', 'wirekube-agent').spec as { template: { spec: { containers: Array<{ name: string; env: Array<{ name: string; value?: string }> }> } } };
    const env = ds.template.spec.containers.find((c) => c.name === 'agent')?.env ?? [];
    const host = env.find((e) => e.name === 'KUBERNETES_SERVICE_HOST')?.value;
    assert.equal(host, values.k8sServiceHost);
    assert.equal(env.find((e) => e.name === 'KUBERNETES_SERVICE_PORT')?.value, String(values.k8sServicePort));
  });

  it('keeps relay and controller off hybrid nodes and puts the relay behind an NLB that preserves client IPs', () => {
    for (const name of ['wirekube-relay', 'wirekube-gateway-controller']) {
      const spec = find(objects, 'Deployment', name).spec as { template: { spec: { affinity: unknown } } };
      assert.deepEqual(spec.template.spec.affinity, {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'eks.amazonaws.com/compute-type', operator: 'NotIn', values: ['hybrid'] }] }] } },
      });
    }
    const svc = find(objects, 'Service', 'wirekube-relay');
    assert.equal(svc.metadata.annotations?.['service.beta.kubernetes.io/aws-load-balancer-type'], 'external');
    assert.match(svc.metadata.annotations?.['service.beta.kubernetes.io/aws-load-balancer-target-group-attributes'] ?? '', /preserve_client_ip\.enabled=true/);
  });

  it('uses the relay address as one of two STUN servers and as the relay endpoint', () => {
    assert.equal(mesh.stunServers.length, 2);
    assert.ok(mesh.stunServers.includes(mesh.relay.endpoints[0]));
  });

  it('gives Cilium what hybrid nodes need: kube-proxy replacement, hybrid-only scheduling, VXLAN', () => {
    assert.equal(values.kubeProxyReplacement, true);
    assert.equal(values.socketLB.enabled, true);
    assert.equal(values.routingMode, 'tunnel');
    assert.equal(values.tunnelProtocol, 'vxlan');
    for (const a of [values.affinity, values.operator.affinity]) {
      assert.deepEqual(a.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0], {
        key: 'eks.amazonaws.com/compute-type',
        operator: 'In',
        values: ['hybrid'],
      });
    }
  });

  it('plans address blocks that never overlap: pod pool, mesh, VPC routes, service CIDR', () => {
    const blocks: Array<[string, string]> = [
      ...values.ipam.operator.clusterPoolIPv4PodCIDRList.map((c: string) => ['Cilium pod pool', c] as [string, string]),
      ['mesh', mesh.meshCIDR],
      ...gateway.routes.map((r) => ['gateway route', r.cidr] as [string, string]),
      ...mesh.routing.excludeCIDRs.map((c) => ['excluded (service CIDR)', c] as [string, string]),
    ];
    for (let i = 0; i < blocks.length; i++) {
      for (let j = i + 1; j < blocks.length; j++) {
        assert.ok(!cidrsOverlap(cidr(blocks[i][1]), cidr(blocks[j][1])), `${blocks[i][0]} ${blocks[i][1]} overlaps ${blocks[j][0]} ${blocks[j][1]}`);
      }
    }
    assert.ok(values.ipam.operator.clusterPoolIPv4PodCIDRList.every((c: string) => cidrsOverlap(cidr(c), cidr('10.0.0.0/8')) || cidrsOverlap(cidr(c), cidr('172.16.0.0/12')) || cidrsOverlap(cidr(c), cidr('192.168.0.0/16'))), 'EKS wants RFC 1918 remote pod networks');
  });

  it('names at least two candidate gateway nodes so the controller has somewhere to fail over to', () => {
    assert.ok(gateway.peerRefs.length >= 2);
  });
});

describe('overlays/nodeport-relay', () => {
  const objects = renderKustomization('overlays/nodeport-relay');

  it('keeps TCP and UDP 3478 apart on fixed node ports the mesh points at', () => {
    const svc = find(objects, 'Service', 'wirekube-relay').spec as { type: string; ports: Array<{ port: number; protocol: string; nodePort: number }> };
    assert.equal(svc.type, 'NodePort');
    assert.deepEqual(svc.ports.map((p) => `${p.port}/${p.protocol}→${p.nodePort}`), ['3478/TCP→30478', '3478/UDP→30478', '3479/TCP→30479']);
    const mesh = find(objects, 'WireKubeMesh', 'default').spec as { stunServers: string[]; relay: { endpoints: string[] } };
    for (const ep of [...mesh.relay.endpoints, mesh.stunServers[0]]) assert.match(ep, /:30478$/);
  });
});
