import assert from 'node:assert/strict';
import type { BackendProvider } from './backend';
import { BackendError, BackendUnavailableError, openBackend } from './backend';
import { FakeWireGuardBackend } from './testing';

const unavailable = (name: string): BackendProvider => ({
  name,
  open: async () => {
    throw new BackendUnavailableError(name, 'not here');
  },
});

describe('backend chain', () => {
  it('opens the first available provider in order', async () => {
    const fake = new FakeWireGuardBackend('wk');
    const tried: string[] = [];
    const ok: BackendProvider = { name: 'fake', open: async (iface) => (tried.push(iface), fake) };
    const skipped: string[] = [];
    assert.equal(await openBackend([unavailable('kernel'), ok, unavailable('never')], 'wk', (name, err) => skipped.push(`${name}: ${err.message}`)), fake);
    assert.deepEqual(tried, ['wk']);
    assert.deepEqual(skipped, ['kernel: kernel: not here']);
  });

  it('lists every reason when nothing is available', async () => {
    await assert.rejects(openBackend([unavailable('kernel'), unavailable('userspace')], 'wk'), /kernel: not here; userspace: not here/);
    await assert.rejects(openBackend([], 'wk'), /no providers/);
  });

  it('does not hide a real failure behind the next provider', async () => {
    const broken: BackendProvider = { name: 'kernel', open: async () => Promise.reject(new BackendError('EPERM creating link')) };
    await assert.rejects(openBackend([broken, { name: 'fake', open: async () => new FakeWireGuardBackend() }], 'wk'), /EPERM creating link/);
  });
});
