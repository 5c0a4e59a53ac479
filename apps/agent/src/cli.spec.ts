import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { parseConfig } from '@wirekube/runtime';
import { assertHelpListsEveryFlag, assertRejectsConfig } from '@wirekube/runtime/testing';
import { AGENT_TIMINGS } from './agent-harness';
import { agentProgram } from './config';

describe('wirekube-agent command line', () => {
  const bin = resolve(__dirname, '../bin/wirekube-agent');
  it('lists every flag with its env variable and default in --help', () => {
    assertHelpListsEveryFlag(bin, agentProgram);
  });
  it('rejects bad values naming the flag or env variable and the reason', () => {
    assertRejectsConfig(bin, ['--wireguard-backend=ebpf', '--status-interval=10ms'], [
      '--wireguard-backend: "ebpf" is not one of auto, kernel, userspace',
      '--status-interval: 10ms is shorter than 1000ms',
    ]);
  });
  it('agents built in tests and benchmarks run with the flags\' default timings', () => {
    const { config } = parseConfig(agentProgram, [], {});
    const { statusRefreshMs, statusMinGapMs, statsIntervalMs, adoptGraceMs } = AGENT_TIMINGS;
    assert.deepEqual({ statusRefreshMs, statusMinGapMs, statsIntervalMs, adoptGraceMs }, { statusRefreshMs: config.statusInterval, statusMinGapMs: config.statusMinGap, statsIntervalMs: config.statsInterval, adoptGraceMs: config.adoptGrace });
  });
});
