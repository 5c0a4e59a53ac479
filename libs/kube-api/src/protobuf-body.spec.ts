import assert from 'node:assert/strict';
import { decodeProtobufBody } from './protobuf-body';

// Captured from kubectl 1.32: `kubectl create configmap cm1 --from-literal=a=b` and `kubectl create namespace ns1`.
const CONFIGMAP = '6b3873000a0f0a0276311209436f6e6669674d6170121d0a130a03636d3112001a0022002a0032003800420012060a01611201621a002200';
const NAMESPACE = '6b3873000a0f0a02763112094e616d657370616365121b0a130a036e733112001a0022002a0032003800420012001a020a001a002200';

describe('protobuf request bodies (kubectl create)', () => {
  it('decodes the ConfigMap and Namespace kubectl sends', () => {
    assert.deepEqual(decodeProtobufBody(Buffer.from(CONFIGMAP, 'hex')), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1' }, data: { a: 'b' } });
    assert.deepEqual(decodeProtobufBody(Buffer.from(NAMESPACE, 'hex')), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1' } });
  });

  it('refuses other kinds with 415 and malformed bytes with 400', () => {
    const other = Buffer.from(CONFIGMAP, 'hex');
    other.write('Endpoints', 12, 'latin1');
    assert.throws(() => decodeProtobufBody(other), (e: { code: number; message: string }) => e.code === 415 && /got v1 Endpoints/.test(e.message));
    assert.throws(() => decodeProtobufBody(Buffer.from('nope')), /without the k8s envelope/);
    const truncated = Buffer.from(CONFIGMAP, 'hex').subarray(0, 30);
    assert.throws(() => decodeProtobufBody(truncated), /malformed protobuf body/);
  });
});
