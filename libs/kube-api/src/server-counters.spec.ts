import assert from 'node:assert/strict';
import { request } from 'node:http';
import { KubeApiServer } from './server';

/** One plain HTTP request; resolves with the status once the response head arrives. */
function call(base: string, method: string, path: string, body?: unknown): Promise<number> {
  return new Promise((done, fail) => {
    const req = request(base + path, { method, headers: { 'content-type': 'application/json' } }, (res) => {
      done(res.statusCode ?? 0);
      res.resume();
    });
    req.on('error', fail);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('kube-api test double: request counters', () => {
  let server: KubeApiServer;
  beforeEach(async () => (server = await new KubeApiServer().start()));
  afterEach(() => server.stop());

  it('counts reads, writes and watches (query and legacy prefix) separately', async () => {
    const before = server.requests;
    assert.equal(await call(server.url, 'POST', '/api/v1/nodes', { metadata: { name: 'n1' } }), 201);
    assert.equal(await call(server.url, 'GET', '/api/v1/nodes'), 200);
    assert.equal(await call(server.url, 'GET', '/api/v1/nodes/n1'), 200);
    assert.equal(await call(server.url, 'DELETE', '/api/v1/nodes/n1'), 200);
    assert.equal(await call(server.url, 'GET', '/api/v1/nodes?watch=true&timeoutSeconds=1'), 200);
    assert.equal(await call(server.url, 'GET', '/api/v1/watch/nodes?timeoutSeconds=1'), 200);
    const after = server.requests;
    assert.deepEqual({ reads: after.reads - before.reads, writes: after.writes - before.writes, watches: after.watches - before.watches }, { reads: 2, writes: 2, watches: 2 });
  });
});
