import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { NatReport, NatType, RelayControlService, ClientMessage } from './index';

describe('generated contracts', () => {
  it('match a fresh regeneration from proto/', function () {
    this.timeout(60_000);
    const root = resolve(__dirname, '../../..');
    const r = spawnSync(process.execPath, [resolve(root, 'tools/gen-proto.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr + r.stdout);
  });

  it('round-trip a message with a oneof and nested enums', () => {
    const msg = ClientMessage.fromPartial({ msg: { $case: 'hello', hello: { publicKey: Buffer.alloc(32, 7), nodeName: 'n1', version: 1 } } });
    const back = ClientMessage.decode(ClientMessage.encode(msg).finish());
    assert.equal(back.msg?.$case, 'hello');
    const report = NatReport.decode(NatReport.encode(NatReport.fromPartial({ type: NatType.NAT_TYPE_SYMMETRIC, allocationDelta: -2 })).finish());
    assert.equal(report.type, NatType.NAT_TYPE_SYMMETRIC);
    assert.equal(report.allocationDelta, -2);
    assert.ok(RelayControlService.session.requestStream && RelayControlService.session.responseStream);
  });
});
