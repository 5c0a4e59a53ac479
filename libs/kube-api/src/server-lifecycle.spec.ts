import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeApiServer } from './server';
import { widgetCrd } from './testing/widget-crd';

/** A minimal JSON client over fetch, enough to exercise lifecycle rules. */
function client(base: string) {
  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(base + path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': type } });
    return { status: res.status, body: (await res.json()) as { metadata: { uid: string; resourceVersion: string; deletionTimestamp?: string } } };
  };
  return {
    get: (p: string) => call('GET', p),
    post: (p: string, b: unknown) => call('POST', p, b),
    patch: (p: string, b: unknown) => call('PATCH', p, b, 'application/merge-patch+json'),
    del: (p: string) => call('DELETE', p),
  };
}

const WIDGETS = '/apis/example.com/v1/namespaces/default/widgets';
const widget = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, ...extra }, spec: { size: 1 } });

describe('kube-api test double: finalizers, garbage collection, CRD removal, persistence', () => {
  let server: KubeApiServer;
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'wk-kube-api-'))));
  afterEach(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps an object with finalizers until they are removed', async () => {
    server = await new KubeApiServer().start();
    const c = client(server.url);
    await c.post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd);
    await c.post(WIDGETS, widget('w', { finalizers: ['example.com/cleanup'] }));
    const del = await c.del(`${WIDGETS}/w`);
    assert.equal(del.status, 200);
    assert.ok(del.body.metadata.deletionTimestamp);
    assert.equal((await c.get(`${WIDGETS}/w`)).status, 200, 'still there while finalized');
    await c.patch(`${WIDGETS}/w`, { metadata: { finalizers: null } });
    assert.equal((await c.get(`${WIDGETS}/w`)).status, 404);
  });

  it('deleting a Node deletes the objects it owns; deleting a CRD stops serving its resource', async () => {
    server = await new KubeApiServer().start();
    const c = client(server.url);
    await c.post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd);
    const node = await c.post('/api/v1/nodes', { metadata: { name: 'n1' } });
    const owner = { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: node.body.metadata.uid };
    await c.post(WIDGETS, widget('owned', { ownerReferences: [owner] }));
    await c.post(WIDGETS, widget('free'));
    await c.del('/api/v1/nodes/n1');
    assert.equal((await c.get(`${WIDGETS}/owned`)).status, 404);
    assert.equal((await c.get(`${WIDGETS}/free`)).status, 200);
    await c.del('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
    assert.equal((await c.get(WIDGETS)).status, 404);
    assert.equal((await c.get('/apis/example.com/v1')).status, 404);
  });

  it('persists objects and served CRDs across a restart', async () => {
    const persistPath = join(dir, 'state.json');
    server = await new KubeApiServer({ persistPath }).start();
    let c = client(server.url);
    await c.post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd);
    const before = await c.post(WIDGETS, widget('kept'));
    await server.stop();
    server = await new KubeApiServer({ persistPath }).start();
    c = client(server.url);
    const after = await c.get(`${WIDGETS}/kept`);
    assert.equal(after.status, 200);
    assert.equal(after.body.metadata.uid, before.body.metadata.uid);
    const next = await c.post(WIDGETS, widget('new'));
    assert.ok(Number(next.body.metadata.resourceVersion) > Number(before.body.metadata.resourceVersion), 'resourceVersions keep increasing');
  });
});
