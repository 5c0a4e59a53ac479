import assert from 'node:assert/strict';
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { KubeApiServer } from './server';
import { widgetCrd } from './testing/widget-crd';

const W = { group: 'example.com', version: 'v1', plural: 'widgets', namespace: 'default' };
/** The fields of a Widget the assertions read. */
interface Widget {
  metadata: { name: string; generation: number; resourceVersion: string };
  spec: { size: number; color?: string };
  status?: { phase?: string };
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** client-node ApiException → its HTTP code. */
async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    return (err as { code: number }).code;
  }
}

describe('kube-api test double: CRUD through client-node', () => {
  let server: KubeApiServer;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;

  beforeEach(async () => {
    server = await new KubeApiServer().start();
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    custom = kc.makeApiClient(CustomObjectsApi);
    core = kc.makeApiClient(CoreV1Api);
    // Raw POST: client-node's typed CRD model would drop `default` (it calls the field `_default`).
    const res = await fetch(`${server.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, { method: 'POST', body: JSON.stringify(widgetCrd), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 201);
  });
  afterEach(() => server.stop());

  it('installing a CRD serves its resource; schema defaults apply and invalid objects get 422 with field paths', async () => {
    const created = (await custom.createNamespacedCustomObject({ ...W, body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } } })) as Widget;
    assert.equal(created.spec.color, 'blue');
    assert.equal(created.metadata.generation, 1);
    try {
      await custom.createNamespacedCustomObject({ ...W, body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w2' }, spec: { size: 11 } } });
      assert.fail('accepted');
    } catch (err) {
      const e = err as { code: number; body: string };
      assert.equal(e.code, 422);
      const status = JSON.parse(e.body);
      assert.equal(status.details.causes[0].field, 'spec.size');
      assert.match(status.message, /Widget.example.com "w2" is invalid: spec.size: Invalid value: 11/);
    }
    assert.equal(await codeOf(custom.createNamespacedCustomObject({ ...W, body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 1 } } })), 409);
  });

  it('rejects a stale resourceVersion with 409 and bumps generation only on spec changes', async () => {
    const w = (await custom.createNamespacedCustomObject({ ...W, body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } } })) as Widget;
    const updated = (await custom.replaceNamespacedCustomObject({ ...W, name: 'w1', body: { ...w, spec: { size: 4 } } })) as Widget;
    assert.equal(updated.metadata.generation, 2);
    assert.equal(await codeOf(custom.replaceNamespacedCustomObject({ ...W, name: 'w1', body: { ...w, spec: { size: 5 } } })), 409);
    const labelled = (await custom.patchNamespacedCustomObject({ ...W, name: 'w1', body: { metadata: { labels: { a: 'b' } } } }, merge)) as Widget;
    assert.equal(labelled.metadata.generation, 2, 'metadata-only change keeps generation');
    const same = (await custom.patchNamespacedCustomObject({ ...W, name: 'w1', body: { spec: { size: 4 } } }, merge)) as Widget;
    assert.equal(same.metadata.resourceVersion, labelled.metadata.resourceVersion, 'a no-op write does not bump resourceVersion');
  });

  it('splits spec and status between the main endpoint and /status', async () => {
    await custom.createNamespacedCustomObject({ ...W, body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 }, status: { phase: 'ignored' } } });
    const s = (await custom.patchNamespacedCustomObjectStatus({ ...W, name: 'w1', body: { status: { phase: 'Ready' }, spec: { size: 9 } } }, merge)) as Widget;
    assert.deepEqual([s.spec.size, s.status?.phase, s.metadata.generation], [3, 'Ready', 1]);
    const m = (await custom.patchNamespacedCustomObject({ ...W, name: 'w1', body: { status: { phase: 'Lost' }, spec: { size: 5 } } }, merge)) as Widget;
    assert.deepEqual([m.spec.size, m.status?.phase, m.metadata.generation], [5, 'Ready', 2]);
  });

  it('lists with label and field selectors and pages with limit/continue', async () => {
    for (let i = 0; i < 5; i++) {
      await custom.createNamespacedCustomObject({ ...W, body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: `w${i}`, labels: { even: String(i % 2 === 0) } }, spec: { size: 1 } } });
    }
    const even = (await custom.listNamespacedCustomObject({ ...W, labelSelector: 'even=true' })) as { items: Array<{ metadata: { name: string } }> };
    assert.deepEqual(even.items.map((o) => o.metadata.name), ['w0', 'w2', 'w4']);
    const one = (await custom.listNamespacedCustomObject({ ...W, fieldSelector: 'metadata.name=w3' })) as { items: unknown[] };
    assert.equal(one.items.length, 1);
    assert.equal(await codeOf(custom.listNamespacedCustomObject({ ...W, fieldSelector: 'spec.size=1' })), 400);
    const page1 = (await custom.listNamespacedCustomObject({ ...W, limit: 2 })) as { items: Array<{ metadata: { name: string } }>; metadata: { _continue?: string; continue?: string } };
    const token = page1.metadata._continue ?? page1.metadata.continue;
    assert.ok(token);
    const page2 = (await custom.listNamespacedCustomObject({ ...W, limit: 2, _continue: token })) as { items: Array<{ metadata: { name: string } }> };
    assert.deepEqual([...page1.items, ...page2.items].map((o) => o.metadata.name), ['w0', 'w1', 'w2', 'w3']);
  });

  it('serves Nodes, ConfigMaps and namespaced 404s for missing namespaces', async () => {
    await core.createNode({ body: { metadata: { name: 'n1', labels: { zone: 'a' } } } });
    assert.equal((await core.readNode({ name: 'n1' })).metadata?.labels?.zone, 'a');
    await core.createNamespacedConfigMap({ namespace: 'kube-system', body: { metadata: { name: 'c' }, data: { k: 'v' } } });
    assert.equal((await core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'c' })).data?.k, 'v');
    assert.equal(await codeOf(core.createNamespacedConfigMap({ namespace: 'nope', body: { metadata: { name: 'c' } } })), 404);
  });

  it('answers Table requests with the CRD printer columns', async () => {
    await custom.createNamespacedCustomObject({ ...W, body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 7 } } });
    const res = await fetch(`${server.url}/apis/example.com/v1/namespaces/default/widgets`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });
    const table = (await res.json()) as { kind: string; columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
    assert.equal(table.kind, 'Table');
    assert.deepEqual(table.columnDefinitions.map((c) => c.name), ['Name', 'Size', 'Phase']);
    assert.deepEqual(table.rows[0].cells, ['w1', 7, null]);
  });

  it('never crashes on malformed requests', async () => {
    const post = (body: string, type = 'application/json') => fetch(`${server.url}/apis/example.com/v1/namespaces/default/widgets`, { method: 'POST', body, headers: { 'content-type': type } });
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post('[]')).status, 400);
    assert.equal((await post('{}')).status, 422);
    assert.equal((await fetch(`${server.url}/apis/example.com/v1/widgets?limit=x`)).status, 400);
    assert.equal((await fetch(`${server.url}/apis/nope/v1/things`)).status, 404);
    const bad = await fetch(`${server.url}/apis/example.com/v1/namespaces/default/widgets/w1`, { method: 'PATCH', body: '{}', headers: { 'content-type': 'application/strategic-merge-patch+json' } });
    assert.equal(bad.status, 404);
    assert.equal((await fetch(`${server.url}/version`)).status, 200);
  });
});
