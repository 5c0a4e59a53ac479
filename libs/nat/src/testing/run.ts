import type { FakeClock } from '@wirekube/util/testing';

/**
 * Advances `clock` in `stepMs` steps until `promise` settles, then returns its outcome. Fails
 * after `limitMs` of simulated time so a hung simulation ends the test instead of the suite.
 */
export async function runUntilSettled<T>(clock: FakeClock, promise: Promise<T>, stepMs = 5, limitMs = 120_000): Promise<T> {
  let settled = false;
  const p = promise.finally(() => (settled = true));
  p.catch(() => {});
  for (let t = 0; !settled; t += stepMs) {
    if (t > limitMs) throw new Error(`simulation did not settle within ${limitMs} ms of simulated time`);
    await clock.advance(stepMs);
  }
  return p;
}
