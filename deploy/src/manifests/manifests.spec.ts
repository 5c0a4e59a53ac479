import assert from 'node:assert/strict';
import { validateBuiltin } from './builtin-schema';
import { isWireKubeResource, validateCustom } from './custom-schema';
import { kustomizationDirs, objectRef, renderKustomization, type K8sObject } from './render';

const NAMESPACE = 'wirekube-system';
const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'WireKubeMesh', 'WireKubePeer', 'WireKubeGateway']);

describe('deploy manifests (rendered with kubectl kustomize)', () => {
  const dirs = kustomizationDirs();

  it('finds the base and both overlays', () => {
    assert.deepEqual(dirs, ['base', 'overlays/eks-hybrid', 'overlays/nodeport-relay']);
  });

  for (const dir of dirs) {
    describe(dir, () => {
      let objects: K8sObject[] = [];
      before(() => {
        objects = renderKustomization(dir);
      });

      it('validates every built-in object against the Kubernetes schemas, unknown fields included', async () => {
        const problems: string[] = [];
        for (const o of objects.filter((x) => !isWireKubeResource(x))) {
          for (const p of await validateBuiltin(o)) problems.push(`${objectRef(o)}: ${p}`);
        }
        assert.deepEqual(problems, []);
      });

      it('validates every WireKube resource against our CRD schemas', () => {
        const problems = objects.filter(isWireKubeResource).flatMap((o) => validateCustom(o).map((p) => `${objectRef(o)}: ${p}`));
        assert.deepEqual(problems, []);
      });

      it('has unique objects, namespaced ones in wirekube-system, and the three CRDs', () => {
        const refs = objects.map(objectRef);
        assert.equal(new Set(refs).size, refs.length, 'duplicate objects');
        for (const o of objects) {
          if (CLUSTER_SCOPED.has(o.kind)) assert.equal(o.metadata.namespace, undefined, objectRef(o));
          else assert.equal(o.metadata.namespace, NAMESPACE, objectRef(o));
        }
        const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name).sort();
        assert.deepEqual(crds, ['wirekubegateways.wirekube.io', 'wirekubemeshes.wirekube.io', 'wirekubepeers.wirekube.io']);
      });

      it('wires every pod to an existing ServiceAccount and every Service to pods and named ports', () => {
        const accounts = new Set(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name));
        const workloads = objects.filter((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment');
        for (const w of workloads) assert.ok(accounts.has(podSpec(w).serviceAccountName), `${objectRef(w)} uses a missing ServiceAccount`);
        for (const svc of objects.filter((o) => o.kind === 'Service')) {
          const spec = svc.spec as { selector: Record<string, string>; ports: Array<{ targetPort?: string | number; protocol?: string }> };
          const pods = workloads.filter((w) => Object.entries(spec.selector).every(([k, v]) => podLabels(w)[k] === v));
          assert.ok(pods.length > 0, `${objectRef(svc)} selects no pods`);
          for (const p of spec.ports) {
            const named = pods.some((w) => containers(w).some((c) => (c.ports ?? []).some((cp) => cp.name === p.targetPort && (cp.protocol ?? 'TCP') === (p.protocol ?? 'TCP'))));
            assert.ok(typeof p.targetPort !== 'string' || named, `${objectRef(svc)}: targetPort ${p.targetPort}/${p.protocol ?? 'TCP'} names no container port`);
          }
        }
      });

      it('runs the agent on the host network with NET_ADMIN, /dev/net/tun and its key on a host path', () => {
        const ds = find(objects, 'DaemonSet', 'wirekube-agent');
        const spec = podSpec(ds);
        assert.equal(spec.hostNetwork, true);
        const agent = containers(ds).find((c) => c.name === 'agent');
        const probe = containers(ds).find((c) => c.name === 'stun-probe');
        assert.ok(agent && probe, 'agent and stun-probe containers');
        assert.deepEqual(agent.securityContext?.capabilities?.add, ['NET_ADMIN', 'NET_RAW']);
        assert.notEqual(agent.securityContext?.privileged, true);
        assert.deepEqual(probe.securityContext?.capabilities?.add ?? [], []);
        const mount = (path: string) => agent.volumeMounts?.find((m) => m.mountPath === path)?.name;
        const volume = (name: string | undefined) => spec.volumes.find((v) => v.name === name)?.hostPath;
        assert.deepEqual(volume(mount('/dev/net/tun')), { path: '/dev/net/tun', type: 'CharDevice' });
        assert.deepEqual(volume(mount('/var/lib/wirekube')), { path: '/var/lib/wirekube', type: 'DirectoryOrCreate' });
        assert.ok(spec.tolerations?.some((t) => t.operator === 'Exists' && !t.key), 'agent tolerates every taint');
      });

      it('exposes the relay on TCP and UDP 3478 plus the control port, and each replica through a headless Service', () => {
        const lb = find(objects, 'Service', 'wirekube-relay').spec as { type: string; ports: Array<{ port: number; protocol: string }> };
        assert.ok(['LoadBalancer', 'NodePort'].includes(lb.type));
        assert.deepEqual(lb.ports.map((p) => `${p.port}/${p.protocol}`).sort(), ['3478/TCP', '3478/UDP', '3479/TCP']);
        const headless = find(objects, 'Service', 'wirekube-relay-replicas').spec as { clusterIP: string };
        assert.equal(headless.clusterIP, 'None');
        assert.equal(podSpec(find(objects, 'Deployment', 'wirekube-relay')).automountServiceAccountToken, false);
      });

      it('grants each component only what it uses (no wildcards, no secrets, relay unbound)', () => {
        const rules = rulesOf(objects);
        assert.deepEqual(rules.get('wirekube-agent')?.sort(), [
          'get,list,watch wirekube.io/wirekubemeshes',
          'get,list,watch wirekube.io/wirekubepeers',
          'get,list,watch wirekube.io/wirekubegateways',
          'create,patch wirekube.io/wirekubepeers',
          'patch wirekube.io/wirekubepeers/status',
          'get /nodes',
        ].sort());
        assert.deepEqual(rules.get('wirekube-gateway-controller')?.sort(), [
          'get,list,watch wirekube.io/wirekubegateways',
          'get,list,watch wirekube.io/wirekubepeers',
          'get,list,watch wirekube.io/wirekubemeshes',
          'get,list,watch /nodes',
          'patch,update wirekube.io/wirekubegateways/status',
          'patch wirekube.io/wirekubepeers',
          'get,create,update coordination.k8s.io/leases',
        ].sort());
        assert.equal(rules.get('wirekube-relay'), undefined);
        const all = [...rules.values()].flat().join('\n');
        assert.doesNotMatch(all, /\*|secrets|escalate|bind|impersonate/);
      });

      it('confines agent writes to its own WireKubePeer with an admission policy', () => {
        const policy = find(objects, 'ValidatingAdmissionPolicy', 'wirekube-agent-own-peer').spec as {
          matchConditions: Array<{ expression: string }>;
          validations: Array<{ expression: string }>;
        };
        assert.match(policy.matchConditions[0].expression, /system:serviceaccount:wirekube-system:wirekube-agent/);
        assert.match(policy.validations[0].expression, /request\.name in request\.userInfo\.extra\['authentication\.kubernetes\.io\/node-name'\]/);
        const binding = find(objects, 'ValidatingAdmissionPolicyBinding', 'wirekube-agent-own-peer').spec as { validationActions: string[] };
        assert.deepEqual(binding.validationActions, ['Deny']);
      });

      it('uses one pinned image for every container', () => {
        const images = new Set(objects.flatMap((o) => (o.kind === 'DaemonSet' || o.kind === 'Deployment' ? [...containers(o), ...(podSpec(o).initContainers ?? [])] : [])).map((c) => c.image));
        assert.deepEqual([...images], ['ghcr.io/wirekube/wirekube:0.1.0']);
      });
    });
  }

  it('the schema checks catch a misspelt field, a bad value and a bad custom resource', async () => {
    const [ds] = renderKustomization('base').filter((o) => o.kind === 'DaemonSet');
    const spec = podSpec(ds) as unknown as Record<string, unknown>;
    spec.hostNetwrk = true;
    (spec.containers as Array<Record<string, unknown>>)[0].ports = [{ containerPort: 'metrics' }];
    const problems = await validateBuiltin(ds);
    assert.ok(problems.some((p) => p.includes('spec.template.spec.hostNetwrk: unknown field')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('containerPort must be integer')), problems.join('\n'));
    const mesh = { apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubeMesh', metadata: { name: 'default' }, spec: { stunServers: ['only-one:3478'], listenPrt: 1 } };
    assert.deepEqual(validateCustom(mesh), ['spec.listenPrt: unknown field', 'spec.stunServers: Invalid value: 1: spec.stunServers in body should have at least 2 items']);
  });
});

interface Container {
  name: string;
  image: string;
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  securityContext?: { privileged?: boolean; capabilities?: { add?: string[]; drop?: string[] } };
}
interface PodSpec {
  serviceAccountName: string;
  hostNetwork?: boolean;
  automountServiceAccountToken?: boolean;
  containers: Container[];
  initContainers?: Container[];
  tolerations?: Array<{ key?: string; operator?: string }>;
  volumes: Array<{ name: string; hostPath?: { path: string; type?: string } }>;
}
interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} missing`);
  return o;
}
function template(o: K8sObject): { metadata: { labels: Record<string, string> }; spec: PodSpec } {
  return (o.spec as { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } }).template;
}
const podSpec = (o: K8sObject): PodSpec => template(o).spec;
const podLabels = (o: K8sObject): Record<string, string> => template(o).metadata.labels;
const containers = (o: K8sObject): Container[] => podSpec(o).containers;

/** ServiceAccount name → its rules as "verbs group/resource" lines, through every (Cluster)RoleBinding. */
function rulesOf(objects: K8sObject[]): Map<string, string[]> {
  const roles = new Map(objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').map((o) => [`${o.kind}/${o.metadata.name}`, o.rules as PolicyRule[]]));
  const out = new Map<string, string[]>();
  for (const b of objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
    const ref = b.roleRef as { kind: string; name: string };
    const rules = roles.get(`${ref.kind}/${ref.name}`);
    assert.ok(rules, `${objectRef(b)} binds a missing ${ref.kind}/${ref.name}`);
    for (const s of b.subjects as Array<{ kind: string; name: string }>) {
      assert.equal(s.kind, 'ServiceAccount', `${objectRef(b)} binds a ${s.kind}`);
      const lines = rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${r.verbs.join(',')} ${g}/${res}`)));
      out.set(s.name, [...(out.get(s.name) ?? []), ...lines]);
    }
  }
  return out;
}
