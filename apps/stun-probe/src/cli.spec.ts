import { resolve } from 'node:path';
import { assertHelpListsEveryFlag, assertRejectsConfig } from '@wirekube/runtime/testing';
import { stunProbeProgram } from './config';

describe('wirekube-stun-probe command line', () => {
  const bin = resolve(__dirname, '../bin/wirekube-stun-probe');
  it('lists every flag with its env variable and default in --help', () => {
    assertHelpListsEveryFlag(bin, stunProbeProgram);
  });
  it('rejects a bad value naming the flag and the reason', () => {
    assertRejectsConfig(bin, ['--stun-servers=stun.example'], ['--stun-servers: "stun.example" is not host:port']);
  });
});
