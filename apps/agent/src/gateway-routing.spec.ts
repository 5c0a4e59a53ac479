import { strict as assert } from 'node:assert';
import type { MeshPeer } from '@wirekube/planner';
import { routablePeers } from './gateway-routing';

describe('routablePeers (what this node routes through the mesh)', () => {
  const peer = (name: string, allowedIps: string[]): MeshPeer => ({ name, publicKey: `${name}-key`, allowedIps, persistentKeepaliveSec: 25, natType: 'unknown', terminating: false });
  const gw = peer('gw-a', ['10.250.0.1/32', '10.1.0.0/24']);
  const hybrid = peer('hybrid-1', ['10.250.0.3/32', '10.2.0.10/32']);

  it('keeps every entry (and the very same objects) when nothing is withheld and nothing covers this node', () => {
    const out = routablePeers([gw, hybrid], { withheld: new Set(), ownAddresses: ['10.2.0.11'] });
    assert.equal(out[0], gw);
    assert.equal(out[1], hybrid);
  });

  it('drops withheld gateway CIDRs (node outside clientRefs) and nothing else', () => {
    const out = routablePeers([gw, hybrid], { withheld: new Set(['10.1.0.0/24']), ownAddresses: [] });
    assert.deepEqual(out[0].allowedIps, ['10.250.0.1/32']);
    assert.equal(out[1], hybrid);
  });

  it('drops an entry covering this node\'s own address, so a standby gateway in the routed subnet keeps its LAN', () => {
    const out = routablePeers([gw, hybrid], { withheld: new Set(), ownAddresses: ['10.1.0.11'] });
    assert.deepEqual(out[0].allowedIps, ['10.250.0.1/32']);
    assert.deepEqual(out[1].allowedIps, hybrid.allowedIps);
    assert.equal(routablePeers([gw], { withheld: new Set(), ownAddresses: ['not-an-ip'] })[0], gw, 'an unparsable own address guards nothing');
  });
});
