import { resolve } from 'node:path';
import { assertHelpListsEveryFlag, assertRejectsConfig } from '@wirekube/runtime/testing';
import { relayProgram } from './config';

describe('wirekube-relay command line', () => {
  const bin = resolve(__dirname, '../bin/wirekube-relay');
  it('lists every flag with its env variable and default in --help', () => {
    assertHelpListsEveryFlag(bin, relayProgram);
  });
  it('rejects a bad value naming the flag and the reason', () => {
    assertRejectsConfig(bin, ['--queue-frames=3'], ['--queue-frames: 3 is below the minimum 16']);
  });
});
