import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidSysctlError, procSysctl, SysctlApplier } from './sysctl';

describe('sysctls', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'wk-sysctl-'));
    await mkdir(join(root, 'net/ipv4'), { recursive: true });
    await writeFile(join(root, 'net/ipv4/ip_forward'), '0\n');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes only what differs and restores the original on cleanup', async () => {
    const port = procSysctl(root);
    const a = new SysctlApplier(port);
    assert.deepEqual((await a.set({ 'net.ipv4.ip_forward': '1' })).added, ['net.ipv4.ip_forward=1']);
    assert.equal(await readFile(join(root, 'net/ipv4/ip_forward'), 'utf8'), '1\n');
    assert.deepEqual((await a.set({ 'net.ipv4.ip_forward': '1' })).added, []);
    await a.cleanup();
    assert.equal(await port.read('net.ipv4.ip_forward'), '0');
  });

  it('refuses names that are not sysctl names (no path escapes)', async () => {
    const port = procSysctl(root);
    for (const bad of ['../../etc/passwd', 'net/ipv4/ip_forward', 'ip_forward', 'net..ipv4', '']) {
      await assert.rejects(port.read(bad), InvalidSysctlError, bad);
      await assert.rejects(port.write(bad, '1'), InvalidSysctlError, bad);
    }
  });
});
