import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KubeApiServer } from './server';
import { widgetCrd } from './testing/widget-crd';

const PATCH_TYPES = ['application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml', 'text/plain'];

describe('kube-api test double: hostile input', () => {
  let server: KubeApiServer;
  before(async () => {
    server = await new KubeApiServer().start();
    const res = await fetch(`${server.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, { method: 'POST', body: JSON.stringify(widgetCrd), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 201);
    await fetch(`${server.url}/apis/example.com/v1/namespaces/default/widgets`, { method: 'POST', body: JSON.stringify({ metadata: { name: 'w' }, spec: { size: 1 } }), headers: { 'content-type': 'application/json' } });
  });
  after(() => server.stop());

  it('answers arbitrary bodies, patches, paths and queries with a 2xx/4xx Status, never a 500 or a crash', async () => {
    const body = fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), fc.string({ maxLength: 200 }));
    const path = fc.constantFrom(
      '/apis/example.com/v1/namespaces/default/widgets',
      '/apis/example.com/v1/namespaces/default/widgets/w',
      '/apis/example.com/v1/namespaces/default/widgets/w/status',
      '/apis/example.com/v1/widgets',
      '/api/v1/nodes',
      '/api/v1/namespaces/default/configmaps',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    );
    const query = fc.oneof(
      fc.constant(''),
      fc.string({ maxLength: 30 }).map((s) => `?labelSelector=${encodeURIComponent(s)}`),
      fc.string({ maxLength: 30 }).map((s) => `?fieldSelector=${encodeURIComponent(s)}`),
      fc.string({ maxLength: 10 }).map((s) => `?limit=${encodeURIComponent(s)}&continue=${encodeURIComponent(s)}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('POST', 'PUT', 'PATCH', 'GET', 'DELETE'), path, query, body, fc.constantFrom(...PATCH_TYPES), async (method, p, q, b, type) => {
        const res = await fetch(server.url + p + q, { method, body: method === 'GET' ? undefined : b, headers: { 'content-type': method === 'PATCH' ? type : 'application/json' } });
        const text = await res.text();
        assert.ok(res.status < 500, `${method} ${p}${q} ${type} ${b} → ${res.status} ${text}`);
        if (res.status >= 400) assert.equal(JSON.parse(text).kind, 'Status');
      }),
      { numRuns: 300 },
    );
    assert.equal((await fetch(`${server.url}/version`)).status, 200);
  });
});
