// The real kubectl (v1.32, from the machine) against the Kubernetes API TEST DOUBLE
// (@wirekube/kube-api): the CRDs install, objects apply and patch, printer columns render,
// watches stream, deletes work and invalid objects are refused with a readable error.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeApiServer } from '@wirekube/kube-api';

const CRDS = resolve(__dirname, '../../../../deploy/crds');
const FIXTURES = resolve(__dirname, 'fixtures');

describe('kubectl against the API test double', function () {
  this.timeout(60_000);
  let server: KubeApiServer;
  let dir: string;
  let kubeconfig: string;
  const children: ChildProcess[] = [];

  /** Runs kubectl with an isolated cache dir; resolves with exit code and output. */
  const kubectl = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
        done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const ok = async (...args: string[]) => {
    const r = await kubectl(...args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wk-kubectl-'));
    server = await new KubeApiServer().start();
    kubeconfig = server.writeKubeconfig(join(dir, 'kubeconfig'));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // The directory itself, as users run it: its `Kustomization` file has no extension, so kubectl
  // applies only the generated CRDs.
  const crdFiles = () => ['-f', `${CRDS}/`];

  it('applies the generated CRDs and serves the short names', async () => {
    const out = await ok('apply', ...crdFiles());
    assert.match(out, /customresourcedefinition.apiextensions.k8s.io\/wirekubepeers.wirekube.io created/);
    const res = await ok('api-resources', '--api-group', 'wirekube.io');
    for (const short of ['wkmesh', 'wkpeer', 'wkgw']) assert.match(res, new RegExp(`\\b${short}\\b`));
    assert.match(await ok('apply', ...crdFiles()), /wirekubepeers.wirekube.io unchanged/);
  });

  it('applies sample objects and shows the printer columns', async () => {
    const out = await ok('apply', '-f', join(FIXTURES, 'mesh.yaml'), '-f', join(FIXTURES, 'peers.yaml'), '-f', join(FIXTURES, 'gateway.yaml'));
    assert.match(out, /wirekubepeer.wirekube.io\/node-a created/);
    const table = await ok('get', 'wkpeer');
    const [header, ...rows] = table.trim().split('\n');
    assert.deepEqual(header.split(/\s+/), ['NAME', 'ENDPOINT', 'ALLOWEDIPS', 'CONNECTED', 'NAT', 'DIRECT', 'RELAYED', 'AGE']);
    assert.match(rows[0], /^node-a\s+203\.0\.113\.10:51822\s+10\.250\.0\.1\/32,10\.244\.1\.0\/24\s+\d+s$/);
    assert.match(await ok('get', 'wkmesh'), /default\s+51822\s+wire_kube/);
    assert.match(await ok('get', 'wkgw'), /NAME\s+ACTIVE\s+READY\s+ROUTES\s+AGE/);
  });

  it('patches with --type merge (spec and the status subresource) and re-applies with a three-way merge', async () => {
    assert.match(await ok('patch', 'wkpeer', 'node-a', '--type', 'merge', '-p', '{"spec":{"endpoint":"198.51.100.7:51822"}}'), /patched/);
    await ok('patch', 'wkpeer', 'node-a', '--subresource', 'status', '--type', 'merge', '-p', '{"status":{"connected":true,"natType":"symmetric","pathSummary":{"direct":0,"relay":1,"none":0}}}');
    assert.match(await ok('get', 'wkpeer', 'node-a'), /node-a\s+198\.51\.100\.7:51822\s+\S+\s+true\s+symmetric\s+0\s+1/);
    assert.equal(await ok('get', 'wkpeer', 'node-a', '-o', 'jsonpath={.metadata.generation}'), '2');
    assert.match(await ok('apply', '-f', join(FIXTURES, 'peers.yaml')), /node-a configured[\s\S]*node-b unchanged/);
    assert.equal(await ok('get', 'wkpeer', 'node-a', '-o', 'jsonpath={.spec.endpoint}/{.status.natType}'), '203.0.113.10:51822/symmetric');
  });

  it('streams changes with get -w', async () => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', 'wkpeer', '-w']);
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const waitFor = async (re: RegExp) => {
      const end = Date.now() + 20_000;
      while (!re.test(out)) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`no ${re} in: ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitFor(/node-b/);
    await ok('patch', 'wkpeer', 'node-b', '--type', 'merge', '-p', '{"spec":{"endpoint":"192.0.2.77:51822"}}');
    await waitFor(/node-b\s+192\.0\.2\.77:51822/);
    child.kill();
  });

  it('deletes, and refuses an invalid object with a readable error', async () => {
    assert.match(await ok('delete', 'wkpeer', 'node-b'), /wirekubepeer.wirekube.io "node-b" deleted/);
    const gone = await kubectl('get', 'wkpeer', 'node-b');
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /NotFound.*wirekubepeers.wirekube.io "node-b" not found/);
    const bad = await kubectl('apply', '-f', join(FIXTURES, 'invalid-peer.yaml'));
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /The WireKubePeer "node-bad" is invalid/);
    assert.match(bad.stderr, /spec\.publicKey: Invalid value: "not-a-key"/);
    assert.match(bad.stderr, /spec\.allowedIPs\[0\]: Invalid value: "10\.0\.0\.0\/33"/);
    assert.match(bad.stderr, /spec\.persistentKeepalive: Invalid value: 70000: .*less than or equal to 65535/);
  });

  it('creates namespaces, configmaps and secrets imperatively (protobuf bodies)', async () => {
    await ok('create', 'namespace', 'demo');
    await ok('create', 'configmap', '-n', 'demo', 'settings', '--from-literal=mode=relay');
    await ok('create', 'secret', 'generic', '-n', 'demo', 'token', '--from-literal=t=s3cret');
    assert.equal(await ok('get', 'configmap', '-n', 'demo', 'settings', '-o', 'jsonpath={.data.mode}'), 'relay');
    assert.equal(Buffer.from(await ok('get', 'secret', '-n', 'demo', 'token', '-o', 'jsonpath={.data.t}'), 'base64').toString(), 's3cret');
    await ok('delete', 'namespace', 'demo');
    assert.match((await kubectl('get', 'configmap', '-n', 'demo', 'settings')).stderr, /not found/);
  });

  it('re-applies a Node (strategic merge) and garbage-collects a WireKubePeer when its Node is deleted', async () => {
    await ok('apply', '-f', join(FIXTURES, 'node.yaml'));
    // Re-applying a built-in type goes through kubectl's strategic merge patch.
    const labelled = join(dir, 'node-labelled.yaml');
    writeFileSync(labelled, readFileSync(join(FIXTURES, 'node.yaml'), 'utf8').replace('    kubernetes.io/hostname: node-a\n', '    kubernetes.io/hostname: node-a\n    zone: z1\n'));
    assert.match(await ok('apply', '-f', labelled), /node\/node-a configured/);
    assert.equal(await ok('get', 'node', 'node-a', '-o', 'jsonpath={.metadata.labels.zone}'), 'z1');
    await ok('apply', '-f', join(FIXTURES, 'node.yaml'));
    assert.equal(await ok('get', 'node', 'node-a', '-o', 'jsonpath={.metadata.labels}'), '{"kubernetes.io/hostname":"node-a"}');
    const uid = await ok('get', 'node', 'node-a', '-o', 'jsonpath={.metadata.uid}');
    const owner = { apiVersion: 'v1', kind: 'Node', name: 'node-a', uid };
    await ok('patch', 'wkpeer', 'node-a', '--type', 'merge', '-p', JSON.stringify({ metadata: { ownerReferences: [owner] } }));
    assert.match(await ok('get', 'nodes'), /node-a\s+True\s+10\.0\.1\.5/);
    await ok('delete', 'node', 'node-a');
    const gone = await kubectl('get', 'wkpeer', 'node-a');
    assert.match(gone.stderr, /"node-a" not found/);
  });
});
