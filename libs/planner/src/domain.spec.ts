import assert from 'node:assert/strict';
import { cidrContains, cidrsOverlap, formatCidr, formatHostPort, parseCidr, parseHostPort, parseIp, type Cidr } from './index';

const cidr = (s: string): Cidr => {
  const r = parseCidr(s);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
};

describe('domain: CIDRs and host:port', () => {
  const good: Array<[string, string]> = [
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['192.168.1.7/32', '192.168.1.7/32'],
    ['fd00::/8', 'fd00::/8'],
    ['2001:DB8:0:0:0:0:0:0/32', '2001:db8::/32'],
    ['::/0', '::/0'],
    ['::ffff:10.0.0.0/104', '::ffff:a00:0/104'],
    ['2001:db8:0:1:0:0:0:1/128', '2001:db8:0:1::1/128'],
  ];
  for (const [input, canonical] of good) {
    it(`parses ${input} → ${canonical}`, () => assert.equal(formatCidr(cidr(input)), canonical));
  }

  const bad: Array<[string, RegExp]> = [
    ['10.0.0.0', /no \/prefix/],
    ['10.0.0.1/24', /host bits set \(network is 10\.0\.0\.0\/24\)/],
    ['10.0.0.0/33', /prefix outside 0\.\.32/],
    ['256.0.0.0/8', /not an IPv4/],
    ['010.0.0.0/8', /not an IPv4/],
    ['1:2:3:4:5:6:7:8:9/64', /not an IPv6/],
    ['1::2::3/64', /not an IPv6/],
    ['fd00::/129', /prefix outside 0\.\.128/],
    ['10.0.0.0/-1', /prefix outside/],
  ];
  for (const [input, reason] of bad) {
    it(`refuses ${input}`, () => {
      const r = parseCidr(input);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason, reason);
    });
  }

  it('overlap and containment follow the prefix, never across families', () => {
    assert.equal(cidrsOverlap(cidr('10.0.0.0/8'), cidr('10.1.0.0/16')), true);
    assert.equal(cidrsOverlap(cidr('10.1.0.0/16'), cidr('10.0.0.0/8')), true);
    assert.equal(cidrsOverlap(cidr('10.0.0.0/16'), cidr('10.1.0.0/16')), false);
    assert.equal(cidrsOverlap(cidr('0.0.0.0/0'), cidr('::/0')), false);
    const ip = (s: string) => {
      const r = parseIp(s);
      if (!r.ok) throw new Error(r.reason);
      return r.value;
    };
    assert.equal(cidrContains(cidr('172.16.0.0/12'), ip('172.31.255.255')), true);
    assert.equal(cidrContains(cidr('172.16.0.0/12'), ip('172.32.0.0')), false);
    assert.equal(cidrContains(cidr('fd00::/8'), ip('fd12::1')), true);
  });

  it('host:port accepts names, v4 and bracketed v6 and rejects the rest', () => {
    assert.deepEqual(parseHostPort('stun.example.com:3478'), { ok: true, value: { host: 'stun.example.com', port: 3478 } });
    assert.deepEqual(parseHostPort('[fd00::1]:51822'), { ok: true, value: { host: 'fd00::1', port: 51822 } });
    assert.equal(formatHostPort({ host: 'fd00::1', port: 1 }), '[fd00::1]:1');
    for (const s of ['1.2.3.4', '1.2.3.4:0', 'a:70000', 'fd00::1:80', '300.1.1.1:80', '-bad-:80', '[1.2.3.4]:80']) {
      assert.equal(parseHostPort(s).ok, false, s);
    }
  });
});
