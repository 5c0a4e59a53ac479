import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { assertHelpListsEveryFlag, assertRejectsConfig } from '@wirekube/runtime/testing';
import { kubeApiProgram } from './config';

const bin = resolve(__dirname, '../bin/wirekube-kube-api');
const CONFIGMAP = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'survives', namespace: 'default' }, data: { k: 'v' } });

describe('wirekube-kube-api', function () {
  this.timeout(30_000);

  it('lists every flag with its env variable and default in --help', () => {
    assertHelpListsEveryFlag(bin, kubeApiProgram);
  });

  it('rejects a bad value naming the flag and the reason', () => {
    assertRejectsConfig(bin, ['--history-limit=3'], ['--history-limit: 3 is below the minimum 10']);
  });

  it('prints a kubeconfig that kubectl uses, with the CRDs installed, and keeps state in its data file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wk-kube-api-bin-'));
    const run = async (fn: (kubeconfig: string) => void) => {
      const child = spawn(process.execPath, [bin, '--install-crds', `--data-file=${join(dir, 'state.json')}`, `--kubeconfig=${join(dir, 'kubeconfig')}`, '--metrics-address='], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const [line] = (await createInterface(child.stdout)[Symbol.asyncIterator]().next()).value.split('\n');
        fn(line);
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    };
    const kubectl = (kubeconfig: string, ...args: string[]) =>
      execFileSync('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { encoding: 'utf8', input: CONFIGMAP });
    try {
      await run((kc) => {
        assert.equal(kc, join(dir, 'kubeconfig'));
        assert.match(kubectl(kc, 'get', 'crd'), /wirekubepeers.wirekube.io/);
        kubectl(kc, 'apply', '-f', '-');
      });
      await run((kc) => assert.equal(kubectl(kc, 'get', 'configmap', 'survives', '-o', 'jsonpath={.data.k}'), 'v'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
