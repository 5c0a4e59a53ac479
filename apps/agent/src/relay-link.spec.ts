import { strict as assert } from 'node:assert';
import type { promises as dnsPromises } from 'node:dns';
import type { Logger } from '@wirekube/util';
import { nullLogger } from '@wirekube/util';
import { relayReplicas } from './relay-link';

describe('relayReplicas (relay scale-out: a session with every replica)', () => {
  /** A resolver answering from a table; a name missing from it fails like NXDOMAIN. */
  const fakeDns = (table: Record<string, string[]>) =>
    ({
      resolve4: async (name: string) => {
        const v = table[name]?.filter((a) => !a.includes(':'));
        if (!v) throw new Error(`queryA ENOTFOUND ${name}`);
        return v;
      },
      resolve6: async (name: string) => {
        const v = table[name]?.filter((a) => a.includes(':'));
        if (!v) throw new Error(`queryAaaa ENOTFOUND ${name}`);
        return v;
      },
    }) as unknown as typeof dnsPromises;

  it('expands a DNS name to every replica record and keeps IP literals, de-duplicated and sorted', async () => {
    const resolve = relayReplicas(
      [
        { host: 'wirekube-relay.wirekube-system.svc', controlPort: 3479, dataPort: 3478 },
        { host: '10.0.0.9', controlPort: 3479, dataPort: 3478 },
        { host: '10.0.0.3', controlPort: 3479, dataPort: 3478 },
      ],
      nullLogger,
      fakeDns({ 'wirekube-relay.wirekube-system.svc': ['10.0.0.3', '10.0.0.7', 'fd00::5'] }),
    );
    assert.deepEqual(
      (await resolve()).map((a) => `${a.host}:${a.controlPort}/${a.dataPort}`),
      ['10.0.0.3:3479/3478', '10.0.0.7:3479/3478', '10.0.0.9:3479/3478', 'fd00::5:3479/3478'],
    );
  });

  it('follows replicas that come and go on every call', async () => {
    const table: Record<string, string[]> = { relay: ['10.0.0.1'] };
    const resolve = relayReplicas([{ host: 'relay', controlPort: 1, dataPort: 2 }], nullLogger, fakeDns(table));
    assert.deepEqual((await resolve()).map((a) => a.host), ['10.0.0.1']);
    table.relay = ['10.0.0.1', '10.0.0.2'];
    assert.deepEqual((await resolve()).map((a) => a.host), ['10.0.0.1', '10.0.0.2']);
  });

  it('skips an endpoint that does not resolve with a warning, and fails naming every endpoint when none does', async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...nullLogger, warn: (msg: string, f?: Record<string, unknown>) => void warnings.push(`${msg} ${JSON.stringify(f)}`), child: () => logger };
    const ok = relayReplicas([{ host: 'gone', controlPort: 1, dataPort: 2 }, { host: 'relay', controlPort: 1, dataPort: 2 }], logger, fakeDns({ relay: ['10.0.0.1'] }));
    assert.deepEqual((await ok()).map((a) => a.host), ['10.0.0.1']);
    assert.match(warnings.join('\n'), /did not resolve.*gone: relay name gone has no A\/AAAA records/);
    const none = relayReplicas([{ host: 'gone', controlPort: 1, dataPort: 2 }], logger, fakeDns({}));
    await assert.rejects(none(), /no relay replica resolved \(gone: relay name gone has no A\/AAAA records: queryA ENOTFOUND gone/);
    await assert.rejects(relayReplicas([], logger, fakeDns({}))(), /no endpoints configured/);
  });
});
