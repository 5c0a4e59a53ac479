import assert from 'node:assert/strict';
import type { promises as dnsPromises } from 'node:dns';
import { dnsReplicas, staticReplicas } from './index';

describe('replica resolvers', () => {
  const fakeDns = (v4: string[] | Error, v6: string[] | Error) =>
    ({
      resolve4: async () => {
        if (v4 instanceof Error) throw v4;
        return v4;
      },
      resolve6: async () => {
        if (v6 instanceof Error) throw v6;
        return v6;
      },
    }) as unknown as typeof dnsPromises;

  it('returns every A and AAAA record of a headless Service, sorted and de-duplicated', async () => {
    const r = dnsReplicas('wirekube-relay.wirekube.svc', 3479, 3478, fakeDns(['10.0.0.7', '10.0.0.3', '10.0.0.7'], ['fd00::2']));
    assert.deepEqual(await r(), [
      { host: '10.0.0.3', controlPort: 3479, dataPort: 3478 },
      { host: '10.0.0.7', controlPort: 3479, dataPort: 3478 },
      { host: 'fd00::2', controlPort: 3479, dataPort: 3478 },
    ]);
  });

  it('tolerates one family failing, fails when both do, and passes IP literals through', async () => {
    const nodata = Object.assign(new Error('queryAaaa ENODATA'), { code: 'ENODATA' });
    assert.equal((await dnsReplicas('x', 1, 2, fakeDns(['10.0.0.1'], nodata))()).length, 1);
    await assert.rejects(dnsReplicas('x', 1, 2, fakeDns(new Error('ENOTFOUND'), nodata))(), /no A\/AAAA records: ENOTFOUND; queryAaaa ENODATA/);
    assert.deepEqual(await dnsReplicas('192.0.2.1', 1, 2, fakeDns(new Error('must not be asked'), []))(), [{ host: '192.0.2.1', controlPort: 1, dataPort: 2 }]);
    assert.deepEqual(await staticReplicas([{ host: 'a', controlPort: 1, dataPort: 2 }])(), [{ host: 'a', controlPort: 1, dataPort: 2 }]);
  });
});
