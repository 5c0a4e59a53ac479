import assert from 'node:assert/strict';
import { canonicalCidr, canonicalEndpoint, formatIp, InvalidAddressError, parseIp } from './ip';

describe('ip helpers', () => {
  it('clears host bits and keeps host prefixes', () => {
    assert.equal(canonicalCidr('10.0.0.7/24'), '10.0.0.0/24');
    assert.equal(canonicalCidr('10.0.0.7'), '10.0.0.7/32');
    assert.equal(canonicalCidr('0.0.0.0/0'), '0.0.0.0/0');
    assert.equal(canonicalCidr('fd00:0:0:0:1::5/64'), 'fd00::/64');
    assert.equal(canonicalCidr('::ffff:10.1.2.3/128'), '::ffff:a01:203/128');
  });

  it('formats IPv6 in RFC 5952 form', () => {
    assert.equal(formatIp(parseIp('2001:db8:0:0:1:0:0:1')), '2001:db8::1:0:0:1');
    assert.equal(formatIp(parseIp('::')), '::');
    assert.equal(formatIp(parseIp('1::')), '1::');
    assert.equal(formatIp(parseIp('2001:db8:0:1:1:1:1:1')), '2001:db8:0:1:1:1:1:1');
  });

  it('canonicalises endpoints', () => {
    assert.equal(canonicalEndpoint('192.0.2.1:51822'), '192.0.2.1:51822');
    assert.equal(canonicalEndpoint('[fd00:0::1]:1'), '[fd00::1]:1');
  });

  it('rejects bad input precisely', () => {
    for (const bad of ['10.0.0.1/33', '10.0.0.1/', '10.0.0.1/-1', 'fd00::/129', 'nope/8', '']) {
      assert.throws(() => canonicalCidr(bad), InvalidAddressError, bad);
    }
    for (const bad of ['1.2.3.4', '1.2.3.4:0', '1.2.3.4:65536', 'fd00::1:80', '[1.2.3.4]:5', 'host:80']) {
      assert.throws(() => canonicalEndpoint(bad), InvalidAddressError, bad);
    }
  });
});

describe('ip fast paths agree with the full parser', () => {
  it('returns canonical IPv4 text as is and canonicalises everything else', () => {
    const cases: [string, string][] = [
      ['10.0.0.0/8', '10.0.0.0/8'], ['10.1.0.0/8', '10.0.0.0/8'], ['0.0.0.0/0', '0.0.0.0/0'], ['1.2.3.4/0', '0.0.0.0/0'],
      ['255.255.255.255/32', '255.255.255.255/32'], ['10.0.0.1/31', '10.0.0.0/31'], ['10.0.0.0/05', '8.0.0.0/5'],
    ];
    for (const [input, want] of cases) assert.equal(canonicalCidr(input), want, input);
    assert.equal(canonicalEndpoint('10.0.0.1:65535'), '10.0.0.1:65535');
    assert.throws(() => canonicalEndpoint('10.0.0.1:65536'), InvalidAddressError);
    assert.throws(() => canonicalCidr('256.0.0.0/8'), InvalidAddressError);
  });
});
