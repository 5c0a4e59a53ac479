/**
 * The install steps of docs/install.md, run with the real kubectl against the API server TEST
 * DOUBLE (`@wirekube/kube-api`; no kube-apiserver can run here): apply the CRDs with kustomize,
 * wait until they are established, create every overlay's WireKube objects (admitted against the
 * CRD schemas by the server), then read them back with the built wirekubectl.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { KubeApiServer } from '@wirekube/kube-api';

const ROOT = resolve(__dirname, '../../../..');
const run = promisify(execFile);

describe('install steps against the API server test double', () => {
  let server: KubeApiServer;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  // Asynchronous child processes only: the server answering them lives in this process.
  const kubectl = (args: string[], input?: string) => {
    const p = run('kubectl', args, { env, timeout: 60_000 });
    if (input !== undefined) p.child.stdin?.end(input);
    return p;
  };

  before(async () => {
    server = await new KubeApiServer().start();
    dir = mkdtempSync(join(tmpdir(), 'wk-install-'));
    env = { ...process.env, KUBECONFIG: server.writeKubeconfig(join(dir, 'kubeconfig')) };
  });
  after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('applies the CRDs with kustomize and waits until they are established', async () => {
    const applied = await kubectl(['apply', '-k', join(ROOT, 'deploy/crds')]);
    assert.equal(applied.stdout.trim().split('\n').length, 3);
    const waited = await kubectl(['wait', '--for', 'condition=established', 'crd', '-l', 'app.kubernetes.io/part-of=wirekube', '--timeout', '20s']);
    assert.equal((waited.stdout.match(/condition met/g) ?? []).length, 3);
  });

  for (const overlay of readdirSync(join(ROOT, 'deploy/overlays'))) {
    it(`creates the WireKube objects of overlays/${overlay}, admitted by the CRD schemas`, async () => {
      const { stdout } = await kubectl(['kustomize', join(ROOT, 'deploy/overlays', overlay)]);
      const crs = parseAllDocuments(stdout).map((d) => d.toJSON()).filter((o) => o.apiVersion.startsWith('wirekube.io/'));
      assert.ok(crs.length >= 1);
      const out = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], crs.map((o) => stringify(o)).join('---\n'));
      assert.equal(out.stdout.trim().split('\n').length, crs.length, out.stdout);
    });
  }

  it('rejects a mesh the schema forbids, naming the field', async () => {
    const bad = stringify({ apiVersion: 'wirekube.io/v1alpha1', kind: 'WireKubeMesh', metadata: { name: 'bad' }, spec: { stunServers: ['only-one.example:3478'] } });
    await assert.rejects(kubectl(['apply', '-f', '-'], bad), (err: { stderr: string }) => /spec\.stunServers/.test(err.stderr));
  });

  it('wirekubectl reads the installed mesh', async () => {
    const { stdout } = await run(join(ROOT, 'apps/wirekubectl/bin/wirekubectl'), ['status', '--output=json'], { env, timeout: 60_000 });
    const s = JSON.parse(stdout);
    assert.equal(s.mesh, 'default');
    assert.equal(s.listenPort, 51822);
    assert.ok(s.gateways.some((g: { name: string }) => g.name === 'hybrid-gateway'));
  });
});
