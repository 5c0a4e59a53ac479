import { resolve } from 'node:path';
import { assertHelpListsEveryFlag, assertRejectsConfig } from '@wirekube/runtime/testing';
import { gatewayControllerProgram } from './config';

describe('wirekube-gateway-controller command line', () => {
  const bin = resolve(__dirname, '../bin/wirekube-gateway-controller');
  it('lists every flag with its env variable and default in --help', () => {
    assertHelpListsEveryFlag(bin, gatewayControllerProgram);
  });
  it('rejects a bad value naming the flag and the reason', () => {
    assertRejectsConfig(bin, ['--grpc-address=nowhere'], ['--grpc-address: "nowhere" is not host:port']);
  });
});
