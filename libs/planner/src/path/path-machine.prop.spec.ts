import assert from 'node:assert/strict';
import fc from 'fast-check';
import { seededRng } from '@wirekube/util';
import type { HostPort } from '../domain';
import { initialPathState, stepPath } from './path-machine';
import { DEFAULT_PATH_TUNING, type PathEvent, type PeerPathState } from './path-types';

const endpoints: HostPort[] = [
  { host: '127.0.0.1', port: 40001 },
  { host: '127.0.0.1', port: 40002 },
  { host: '203.0.113.2', port: 51822 },
  { host: '203.0.113.2', port: 1044 },
];
const ep = fc.constantFrom(...endpoints);
const id = fc.constantFrom('1', '2', '3', 'x');

/** Any event an agent could report, in any order, including stale and nonsensical ones. */
const event = fc.oneof(
  fc.record({ type: fc.constant('relay' as const), present: fc.boolean(), endpoint: fc.option(ep, { nil: undefined }) }),
  fc.record({ type: fc.constant('pair' as const), pair: fc.record({ mode: fc.constantFrom('direct' as const, 'birthday' as const, 'relay' as const), reason: fc.constant('matrix') }), relayMode: fc.constantFrom('auto' as const, 'always' as const, 'never' as const) }),
  fc.record({ type: fc.constant('punch-offer' as const), punchId: id }),
  fc.record({ type: fc.constant('punch-result' as const), punchId: id, endpoint: fc.option(ep, { nil: undefined }) }),
  fc.record({ type: fc.constant('sample' as const), endpoint: fc.option(ep, { nil: undefined }), lastHandshakeMs: fc.integer({ min: 0, max: 5 }), rxBytes: fc.integer({ min: 0, max: 4000 }), txBytes: fc.integer({ min: 0, max: 4000 }) }),
  fc.record({ type: fc.constant('probe-reply' as const), seq: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ type: fc.constant('tick' as const) }),
);

function checkInvariants(s: PeerPathState, atMs: number, wakeAtMs: number | undefined): void {
  assert.ok(s.path.reason.length > 0, 'every path has a reason');
  switch (s.phase) {
    case 'verifying':
    case 'direct':
    case 'suspect':
      assert.equal(s.path.kind, 'direct');
      assert.deepEqual(s.path.kind === 'direct' && s.path.endpoint, s.direct);
      break;
    case 'relay':
      assert.equal(s.path.kind, 'relay');
      assert.deepEqual(s.path.kind === 'relay' && s.path.endpoint, s.relay);
      assert.notEqual(s.relayMode, 'never');
      break;
    case 'down':
      assert.equal(s.path.kind, 'down');
      break;
    case 'punching':
      assert.notEqual(s.path.kind, 'direct');
      assert.ok(s.punchId !== undefined);
      break;
  }
  if (wakeAtMs !== undefined) assert.ok(wakeAtMs > atMs, `wake ${wakeAtMs} is in the future of ${atMs}`);
}

describe('path machine properties', () => {
  it('keeps the published path consistent with its phase and always explains it, whatever the event order', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), event), { maxLength: 80 }), (initiator, steps) => {
        let atMs = 1_000_000;
        let s = initialPathState({ atMs, initiator });
        const rng = seededRng(1);
        for (const [dt, e] of steps) {
          atMs += dt;
          const ev = { ...e, atMs, ...(e.type === 'sample' && { lastHandshakeMs: e.lastHandshakeMs === 0 ? 0 : atMs - e.lastHandshakeMs * 1000 }) } as PathEvent;
          const step = stepPath(s, ev, DEFAULT_PATH_TUNING, rng);
          checkInvariants(step.state, atMs, step.wakeAtMs);
          for (const a of step.actions) if (a.type === 'set-endpoint') assert.ok(a.reason.length > 0);
          s = step.state;
        }
      }),
      { numRuns: 400, seed: 42 },
    );
  });
});
