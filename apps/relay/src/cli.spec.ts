import { resolve } from 'node:path';
import assert from 'node:assert/strict';
import { assertHelpListsEveryFlag, assertRejectsConfig, checkConfig } from '@wirekube/runtime/testing';
import { relayProgram } from './config';

describe('wirekube-relay command line', () => {
  const bin = resolve(__dirname, '../bin/wirekube-relay');
  it('lists every flag with its env variable and default in --help', () => {
    assertHelpListsEveryFlag(bin, relayProgram);
  });
  it('rejects a bad value naming the flag and the reason', () => {
    assertRejectsConfig(bin, ['--queue-frames=3'], ['--queue-frames: 3 is below the minimum 16']);
  });
  it('validates a configuration with --check-config without starting anything', () => {
    const config = checkConfig(bin, ['--queue-frames', '64'], { WIREKUBE_RELAY_DATA_ADDRESS: '127.0.0.1:13478', POD_NAME: 'relay-0' });
    assert.equal(config.queueFrames, 64);
    assert.equal(config.dataAddress, '127.0.0.1:13478');
    assert.equal(config.replicaId, 'relay-0');
  });
});
