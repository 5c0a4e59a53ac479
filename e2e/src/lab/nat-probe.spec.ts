import assert from 'node:assert/strict';
import { type NatObservation, classifyObservation } from './nat-probe';

const r = { addrs: ['198.18.0.10', '198.18.0.11'] as const, ports: [7000, 7001] as const };
const obs = (ports: (number | null)[], filtering: NatObservation['filtering'], ip = '198.18.1.1'): NatObservation => ({
  localPort: 5000,
  filtering,
  mapped: Object.fromEntries(['198.18.0.10:7000', '198.18.0.11:7000', '198.18.0.10:7001', '198.18.0.11:7001'].map((k, i) => [k, ports[i] === null ? null : `${ip}:${ports[i]}`])),
});

describe('classifyObservation (pure)', function () {
  it('derives RFC 4787 mapping and filtering', function () {
    const none = { control: true, changePort: false, changeIp: false };
    assert.deepEqual(classifyObservation(obs([5000, 5000, 5000, 5000], { control: true, changePort: true, changeIp: true }), r), {
      udp: true, mapping: 'endpoint-independent', filtering: 'endpoint-independent', portDeltas: [0, 0, 0], publicAddr: '198.18.1.1',
    });
    assert.equal(classifyObservation(obs([5000, 5000, 5000, 5000], { ...none, changePort: true }), r).filtering, 'address-dependent');
    assert.equal(classifyObservation(obs([5000, 6000, 5000, 6000], none), r).mapping, 'address-dependent');
    const seq = classifyObservation(obs([20001, 20002, 20003, 20004], none), r);
    assert.deepEqual([seq.mapping, seq.filtering, seq.portDeltas], ['address-and-port-dependent', 'address-and-port-dependent', [1, 1, 1]]);
  });

  it('reports no UDP when any destination stayed silent', function () {
    assert.deepEqual(classifyObservation(obs([null, null, null, null], { control: false, changePort: false, changeIp: false }), r), { udp: false, portDeltas: [] });
    assert.equal(classifyObservation(obs([5000, null, 5000, 5000], { control: true, changePort: false, changeIp: false }), r).udp, false);
  });
});
