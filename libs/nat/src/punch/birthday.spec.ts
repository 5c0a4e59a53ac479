import assert from 'node:assert/strict';
import { seededRng } from '@wirekube/util';
import { birthdayCandidatePorts, birthdaySuccessProbability, probesForProbability } from './birthday';

describe('birthday paradox model', () => {
  it('matches the closed form on small ranges and the exponential approximation on large ones', () => {
    // R = 4, N = 1, M = 2: miss = C(3,2)/C(4,2) = 3/6.
    assert.ok(Math.abs(birthdaySuccessProbability(1, 2, [1, 4]) - 0.5) < 1e-12);
    // R = 10, N = 3, M = 3: miss = C(7,3)/C(10,3) = 35/120.
    assert.ok(Math.abs(birthdaySuccessProbability(3, 3, [1, 10]) - (1 - 35 / 120)) < 1e-12);
    const p = birthdaySuccessProbability(256, 1024);
    assert.ok(Math.abs(p - (1 - Math.exp((-256 * 1024) / 64512))) < 0.01, String(p));
  });

  it('is 0 without sockets or probes, 1 once the probes must hit, and monotonic', () => {
    assert.equal(birthdaySuccessProbability(0, 1000), 0);
    assert.equal(birthdaySuccessProbability(10, 0), 0);
    assert.equal(birthdaySuccessProbability(10, 64512 - 9), 1);
    let prev = 0;
    for (const m of [1, 10, 100, 1000, 5000]) {
      const p = birthdaySuccessProbability(64, m);
      assert.ok(p > prev);
      prev = p;
    }
  });

  it('finds the smallest probe count for a target chance', () => {
    const m = probesForProbability(256, 0.99);
    assert.ok(birthdaySuccessProbability(256, m) >= 0.99);
    assert.ok(birthdaySuccessProbability(256, m - 1) < 0.99);
  });

  it('puts the ports ahead of a sequential allocator first, then random distinct ports', () => {
    const ports = birthdayCandidatePorts({ allocation: 'sequential', allocationDelta: 2, mapped: { ip: '203.0.113.1', port: 65532 } }, 6, seededRng(1));
    assert.deepEqual(ports.slice(0, 4), [65534, 1024, 1026, 1028]);
    const random = birthdayCandidatePorts({ allocation: 'random', allocationDelta: 0 }, 500, seededRng(2));
    assert.equal(new Set(random).size, 500);
    assert.ok(random.every((p) => p >= 1024 && p <= 65535));
    assert.deepEqual(birthdayCandidatePorts({ allocation: 'preserving', allocationDelta: 0, local: { ip: '10.0.0.2', port: 51822 } }, 1, seededRng(3)), [51822]);
  });
});
