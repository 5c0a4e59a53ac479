import assert from 'node:assert/strict';
import { CoreV1Api, KubeConfig, makeInformer, Watch, type V1Node } from '@kubernetes/client-node';
import { KubeApiServer } from './server';

type Ev = { type: string; name?: string; rv?: string; code?: number };

/** Opens a client-node watch on nodes and records its events until `done`. */
function watchNodes(kc: KubeConfig, query: Record<string, string | number | boolean | undefined>) {
  const events: Ev[] = [];
  let ended: (err: unknown) => void = () => {};
  const done = new Promise((resolve) => (ended = resolve));
  const ctl = new Watch(kc).watch(
    '/api/v1/nodes',
    query,
    (type, obj) => events.push({ type, name: obj?.metadata?.name, rv: obj?.metadata?.resourceVersion, code: obj?.code }),
    (err) => ended(err),
  );
  return { events, done, ctl };
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('kube-api test double: watches and informers', () => {
  let server: KubeApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;

  beforeEach(async () => {
    server = await new KubeApiServer({ bookmarkIntervalMs: 50 }).start();
    kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    core = kc.makeApiClient(CoreV1Api);
  });
  afterEach(() => server.stop());

  it('resumes from a resourceVersion, sends bookmarks when allowed, and ends at timeoutSeconds', async () => {
    await core.createNode({ body: { metadata: { name: 'a' } } });
    const list = await core.listNode();
    await core.createNode({ body: { metadata: { name: 'b' } } });
    const w = watchNodes(kc, { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 1 });
    await until(() => w.events.some((e) => e.type === 'BOOKMARK'), 'a bookmark');
    await core.deleteNode({ name: 'a' });
    await until(() => w.events.some((e) => e.type === 'DELETED'), 'the delete');
    const changes = w.events.filter((e) => e.type !== 'BOOKMARK');
    assert.deepEqual(changes.map((e) => `${e.type}:${e.name}`), ['ADDED:b', 'DELETED:a']);
    assert.ok(Number(changes[1].rv) > Number(changes[0].rv));
    assert.equal(await w.done, null, 'the server ended the watch cleanly at timeoutSeconds');
  });

  it('answers 410 Gone in-stream for a compacted resourceVersion', async () => {
    await core.createNode({ body: { metadata: { name: 'a' } } });
    const rv = (await core.listNode()).metadata?.resourceVersion;
    await core.createNode({ body: { metadata: { name: 'b' } } });
    server.store.compact();
    const w = watchNodes(kc, { resourceVersion: rv });
    await w.done;
    assert.deepEqual(w.events.map((e) => [e.type, e.code]), [['ERROR', 410]]);
  });

  it('turns label-selector transitions into ADDED and DELETED', async () => {
    await core.createNode({ body: { metadata: { name: 'a', labels: { gw: 'no' } } } });
    const w = watchNodes(kc, { labelSelector: 'gw=yes' });
    await core.patchNode({ name: 'a', body: [{ op: 'replace', path: '/metadata/labels/gw', value: 'yes' }] });
    await core.patchNode({ name: 'a', body: [{ op: 'replace', path: '/metadata/labels/gw', value: 'no' }] });
    await until(() => w.events.length >= 2, 'two events');
    assert.deepEqual(w.events.map((e) => e.type), ['ADDED', 'DELETED']);
    w.ctl.then((c) => c.abort());
  });

  it("drives client-node's informer: list, then add, update and delete events", async () => {
    await core.createNode({ body: { metadata: { name: 'pre' } } });
    const informer = makeInformer(kc, '/api/v1/nodes', () => core.listNode());
    const seen: string[] = [];
    informer.on('add', (n: V1Node) => seen.push(`add:${n.metadata?.name}`));
    informer.on('update', (n: V1Node) => seen.push(`update:${n.metadata?.name}:${n.metadata?.labels?.v}`));
    informer.on('delete', (n: V1Node) => seen.push(`delete:${n.metadata?.name}`));
    await informer.start();
    await core.createNode({ body: { metadata: { name: 'x' } } });
    await core.patchNode({ name: 'x', body: [{ op: 'add', path: '/metadata/labels', value: { v: '2' } }] });
    await core.deleteNode({ name: 'pre' });
    await until(() => seen.length >= 4, 'four informer events');
    assert.deepEqual(seen, ['add:pre', 'add:x', 'update:x:2', 'delete:pre']);
    assert.deepEqual(informer.list().map((n) => n.metadata?.name), ['x']);
    await informer.stop();
  });
});
