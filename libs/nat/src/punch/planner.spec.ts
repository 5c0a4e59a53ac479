import assert from 'node:assert/strict';
import { seededRng } from '@wirekube/util';
import type { NatBehaviour } from '../nat/behaviour';
import { planPunch, type PunchSide } from './planner';

type Shape = Pick<NatBehaviour, 'type' | 'mapping' | 'filtering' | 'allocation' | 'allocationDelta'>;
const SHAPES: Record<string, Shape> = {
  open: { type: 'open', mapping: 'none', filtering: 'endpoint-independent', allocation: 'preserving', allocationDelta: 0 },
  full: { type: 'full-cone', mapping: 'endpoint-independent', filtering: 'endpoint-independent', allocation: 'preserving', allocationDelta: 0 },
  restricted: { type: 'restricted-cone', mapping: 'endpoint-independent', filtering: 'address-dependent', allocation: 'preserving', allocationDelta: 0 },
  port: { type: 'port-restricted-cone', mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', allocation: 'preserving', allocationDelta: 0 },
  symRandom: { type: 'symmetric', mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', allocation: 'random', allocationDelta: 0 },
  symSeq: { type: 'symmetric', mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', allocation: 'sequential', allocationDelta: 2 },
  blocked: { type: 'udp-blocked', mapping: 'unknown', filtering: 'unknown', allocation: 'unknown', allocationDelta: 0 },
};

function side(shape: Shape, n: number): PunchSide {
  const mapped = shape.type === 'udp-blocked' ? undefined : { ip: `192.0.2.${n}`, port: 40000 + n };
  return {
    nat: { ...shape, portPreserved: false, ...(mapped && { mapped }), local: { ip: `10.0.${n}.2`, port: 51822 } },
    candidates: mapped ? [{ kind: 'server-reflexive', address: mapped, priority: 500 }] : [],
  };
}

// The expected decision for every pair (row = local, column = remote; the matrix is symmetric).
const EXPECTED: Record<string, Record<string, string>> = {
  open: { open: 'direct', full: 'direct', restricted: 'direct', port: 'direct', symRandom: 'direct', symSeq: 'direct', blocked: 'relay' },
  full: { full: 'direct', restricted: 'direct', port: 'direct', symRandom: 'direct', symSeq: 'direct', blocked: 'relay' },
  restricted: { restricted: 'direct', port: 'direct', symRandom: 'direct', symSeq: 'direct', blocked: 'relay' },
  port: { port: 'direct', symRandom: 'birthday', symSeq: 'direct', blocked: 'relay' },
  symRandom: { symRandom: 'relay', symSeq: 'relay', blocked: 'relay' },
  symSeq: { symSeq: 'relay', blocked: 'relay' },
  blocked: { blocked: 'relay' },
};

describe('planPunch', () => {
  const names = Object.keys(SHAPES);
  for (const a of names) {
    for (const b of names.slice(names.indexOf(a))) {
      const want = EXPECTED[a]![b]!;
      it(`${a}↔${b}: ${want} from both ends`, () => {
        const ab = planPunch(side(SHAPES[a]!, 1), side(SHAPES[b]!, 2), seededRng(1), { birthday: true });
        const ba = planPunch(side(SHAPES[b]!, 2), side(SHAPES[a]!, 1), seededRng(1), { birthday: true });
        assert.equal(ab.kind, want, ab.reason);
        assert.equal(ba.kind, want, ba.reason);
        if (ab.kind === 'birthday' && ba.kind === 'birthday') assert.deepEqual([ab.role, ba.role].sort(), ['many-ports', 'many-sockets']);
        if (ab.kind === 'direct') assert.ok(ab.targets.length > 0, 'a direct plan has somewhere to send');
      });
    }
  }

  it('without the birthday attack, port-restricted↔random symmetric is relayed with a reason', () => {
    const plan = planPunch(side(SHAPES.port!, 1), side(SHAPES.symRandom!, 2), seededRng(1));
    assert.deepEqual(plan, { kind: 'relay', reason: 'port-restricted↔symmetric: direct impossible without port prediction (birthday attack disabled)' });
  });

  it('sizes the birthday attack from its options and aims at the symmetric side\'s IP', () => {
    const plan = planPunch(side(SHAPES.port!, 1), side(SHAPES.symRandom!, 2), seededRng(1), { birthday: true, birthdaySockets: 64, birthdayRatePerSec: 500, birthdayDurationMs: 2000 });
    assert.ok(plan.kind === 'birthday' && plan.role === 'many-ports');
    assert.equal(plan.targets.length, 1000);
    assert.ok(plan.targets.every((t) => t.ip === '192.0.2.2'));
    assert.equal(new Set(plan.targets.map((t) => t.port)).size, 1000);
    assert.ok(plan.successProbability > 0.6 && plan.successProbability < 0.7, String(plan.successProbability));
    assert.match(plan.reason, /64 sockets × 1000 probes \(p≈0\.6\d\)/);
  });
});
