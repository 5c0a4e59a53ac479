import { Lab } from './lab';
import type { TopologySpec } from './topology';

/** Options for {@link useLab}. */
export interface UseLabOptions {
  /** Timeout for bring-up and tear-down hooks, ms. Default 30 000. */
  hookTimeoutMs?: number;
  /**
   * After every test clear all faults and, unless `flushNatBetweenTests` is false, forget NAT state
   * in every router, so cases stay independent. Default true.
   */
  resetBetweenTests?: boolean;
  /**
   * Part of the reset: flush conntrack and learned mappings. Default true. Set false when processes
   * started in `before` must keep their flows across tests (a flush drops established NATed flows'
   * return traffic until the inside sends again, as a real NAT reboot would).
   */
  flushNatBetweenTests?: boolean;
  /** Log lines per process attached to a failed test. Default 40. */
  logLines?: number;
}

/**
 * Appends to a failed test's error the log tails of the processes that matter for it: those
 * spawned during the test and those still running. No-op when there are none.
 */
export function attachLogs(err: Error, lab: Pick<Lab, 'processes' | 'runId'>, firstOfTest: number, lines: number): void {
  const relevant = lab.processes.filter((p, i) => i >= firstOfTest || p.running);
  if (relevant.length > 0) err.message += `\n\nlab ${lab.runId} process logs:\n${relevant.map((p) => p.tail(lines)).join('\n')}`;
}

/**
 * Mocha helper: call inside a `describe`. Brings the topology up once in `before`, tears it down
 * in `after` (also on failures and timeouts), and after each failed test appends the tail of every
 * supervised process's log to the failure message. Returns a getter for the running lab.
 */
export function useLab(spec: TopologySpec, opts: UseLabOptions = {}): () => Lab {
  let lab: Lab | undefined;
  let firstOfTest = 0;
  const timeout = opts.hookTimeoutMs ?? 30_000;
  before(async function () {
    this.timeout(timeout);
    lab = await Lab.up(spec);
  });
  beforeEach(function () {
    firstOfTest = lab?.processes.length ?? 0;
  });
  afterEach(async function () {
    this.timeout(timeout);
    const test = this.currentTest;
    if (lab && test?.state === 'failed' && test.err) attachLogs(test.err, lab, firstOfTest, opts.logLines ?? 40);
    if (lab && (opts.resetBetweenTests ?? true)) {
      await lab.faults.clearAll();
      if (opts.flushNatBetweenTests ?? true) await lab.flushNat();
    }
  });
  after(async function () {
    this.timeout(timeout);
    await lab?.down();
    lab = undefined;
  });
  return () => {
    if (!lab) throw new Error('useLab: the lab is only available inside tests and hooks after before()');
    return lab;
  };
}
