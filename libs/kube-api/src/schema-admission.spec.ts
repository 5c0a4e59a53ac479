import assert from 'node:assert/strict';
import { admitObject } from './schema-admission';
import type { OpenApiSchema } from './resource-types';

const schema: OpenApiSchema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['key'],
      properties: {
        key: { type: 'string', pattern: '^[a-z]{3}$' },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 51822 },
        mode: { type: 'string', enum: ['auto', 'never'], default: 'auto' },
        mtu: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer', minimum: 1280, maximum: 9000 }, { type: 'string', enum: ['auto'] }] },
        cidrs: { type: 'array', items: { type: 'string', maxLength: 5 }, 'x-kubernetes-list-type': 'set', minItems: 1 },
        nested: { type: 'object', default: {}, properties: { flag: { type: 'boolean', default: true } } },
        when: { type: 'string', format: 'date-time' },
      },
    },
  },
};

const admit = (spec: unknown) => {
  const obj = { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a', labels: { keep: 'me' } }, spec } as Record<string, unknown>;
  return { obj, ...admitObject(schema, obj) };
};

describe('schema admission', () => {
  it('applies defaults, including inside a defaulted object, and keeps metadata untouched', () => {
    const { obj, causes } = admit({ key: 'abc', cidrs: ['a'] });
    assert.deepEqual(causes, []);
    assert.deepEqual(obj.spec, { key: 'abc', cidrs: ['a'], port: 51822, mode: 'auto', nested: { flag: true } });
    assert.deepEqual(obj.metadata, { name: 'a', labels: { keep: 'me' } });
  });

  it('prunes unknown fields and reports their paths', () => {
    const { obj, unknownFields } = admit({ key: 'abc', cidrs: ['a'], bogus: 1, nested: { other: 2 } });
    assert.deepEqual(unknownFields, ['spec.bogus', 'spec.nested.other']);
    assert.equal((obj.spec as Record<string, unknown>).bogus, undefined);
  });

  it('reports every violation with a field path and the API server wording', () => {
    const { causes } = admit({ port: 70000, mode: 'sometimes', mtu: 100, cidrs: ['toolong', 'toolong'], when: 'yesterday' });
    const byField = Object.fromEntries(causes.map((c) => [c.field, c.message]));
    assert.equal(byField['spec.key'], 'Required value');
    assert.equal(byField['spec.port'], 'Invalid value: 70000: spec.port in body should be less than or equal to 65535');
    assert.match(byField['spec.mode'], /^Unsupported value: "sometimes": supported values: "auto", "never"$/);
    assert.match(byField['spec.mtu'], /must be an integer in \[1280, 9000\] or one of "auto"/);
    assert.match(byField['spec.cidrs[1]'], /Duplicate value: "toolong"|Too long/);
    assert.ok(causes.some((c) => c.field === 'spec.cidrs[0]' && c.reason === 'FieldValueTooLong'));
    assert.match(byField['spec.when'], /must be of type date-time/);
  });

  it('checks types and patterns', () => {
    const { causes } = admit({ key: 'ABCD', port: '80', cidrs: [] });
    assert.deepEqual(
      causes.map((c) => [c.field, c.reason]),
      [
        ['spec.key', 'FieldValueInvalid'],
        ['spec.port', 'FieldValueTypeInvalid'],
        ['spec.cidrs', 'FieldValueInvalid'],
      ],
    );
  });

  it('accepts both branches of int-or-string', () => {
    assert.deepEqual(admit({ key: 'abc', mtu: 'auto' }).causes, []);
    assert.deepEqual(admit({ key: 'abc', mtu: 1420 }).causes, []);
  });
});
