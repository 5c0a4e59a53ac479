import type { RouterPlan } from './plan';

/** First port of the `symmetric-sequential` allocator; mappings take 20000, 20001, … */
export const SEQUENTIAL_PORT_BASE = 20000;
/** Ports the sequential allocator cycles through before wrapping to the base again. */
export const SEQUENTIAL_PORT_SPAN = 4096;
/** Lifetime of learned cone mappings (full-cone, address-restricted), in seconds. */
export const CONE_MAPPING_TIMEOUT_S = 180;

const q = (s: string) => JSON.stringify(s);

/**
 * The nftables ruleset (for `nft -f`) that makes a router namespace behave as `r.nat`, in one table
 * `ip lab`. Common to all: forwarding LAN→WAN, stateful return traffic, and every unsolicited
 * inbound WAN packet dropped (forward and input) unless the filtering behaviour admits it.
 *
 * Linux conntrack only ever admits the exact 5-tuple it saw leave. The two looser filters are
 * built from dynamic nft state learned on egress after SNAT (so the key is the *mapped* port):
 * `cone` maps a mapped port to the LAN endpoint that owns it, `peers` remembers which remote
 * addresses a mapped port has sent to. Inbound UDP to a mapped port is DNATed through `cone` when
 * the filter admits it (full cone: anyone; address-restricted: an address in `peers`). With
 * `hairpin`, UDP from the LAN to the router's own WAN address is DNATed the same way and SNATed to
 * the WAN address, so two hosts behind one NAT can reach each other's public mappings.
 */
export function routerRuleset(r: RouterPlan): string {
  const wan = q(r.wanIf);
  const lan = q(r.lanIf);
  const cone = r.nat === 'full-cone' || r.nat === 'address-restricted';
  const learns = cone || r.hairpin;
  const lines: string[] = ['table ip lab {'];
  if (learns) {
    const t = `flags dynamic,timeout; timeout ${CONE_MAPPING_TIMEOUT_S}s;`;
    lines.push(`  map cone { type inet_service : ipv4_addr . inet_service; ${t} }`);
    if (r.nat === 'address-restricted') lines.push(`  set peers { type inet_service . ipv4_addr; ${t} }`);
  }
  lines.push(
    '  chain input { type filter hook input priority filter; policy accept;',
    `    iifname ${wan} ct state established,related accept`,
    `    iifname ${wan} drop`,
    '  }',
    '  chain forwarding { type filter hook forward priority filter; policy drop;',
    '    ct state established,related accept',
  );
  // Between segments of one site nothing is filtered or translated (UDP-blocked means to the internet).
  if (r.routeLan) lines.push(`    iifname ${lan} oifname ${lan} accept`);
  if (r.nat === 'udp-blocked') lines.push(`    iifname ${lan} meta l4proto udp drop`);
  lines.push(`    iifname ${lan} oifname ${wan} accept`);
  if (cone) lines.push(`    iifname ${wan} oifname ${lan} ct status dnat accept`);
  if (r.hairpin) lines.push(`    iifname ${lan} oifname ${lan} ct status dnat accept`);
  lines.push('  }', '  chain nat_out { type nat hook postrouting priority srcnat; policy accept;');
  // Hairpin: the target must see the sender's public address, or it would answer it directly.
  if (r.hairpin) lines.push(`    iifname ${lan} oifname ${lan} ct status dnat snat ip to ${r.wanAddr}`);
  if (r.nat === 'symmetric') {
    lines.push(`    oifname ${wan} masquerade fully-random`);
  } else if (r.nat === 'symmetric-sequential') {
    // numgen yields host-order integers; a port needs network order, so go through a map.
    const ports = Array.from({ length: SEQUENTIAL_PORT_SPAN }, (_, i) => `${i} : ${SEQUENTIAL_PORT_BASE + i}`);
    lines.push(
      `    oifname ${wan} meta l4proto udp snat ip to ${r.wanAddr} : numgen inc mod ${SEQUENTIAL_PORT_SPAN} map { ${ports.join(', ')} }`,
      `    oifname ${wan} masquerade`,
    );
  } else {
    lines.push(`    oifname ${wan} masquerade`);
  }
  lines.push('  }');
  if (learns) {
    lines.push(
      '  chain learn { type filter hook postrouting priority srcnat + 10; policy accept;',
      `    oifname ${wan} meta l4proto udp update @cone { ct reply proto-dst : ct original ip saddr . ct original proto-src }`,
    );
    if (r.nat === 'address-restricted') lines.push(`    oifname ${wan} meta l4proto udp update @peers { ct reply proto-dst . ip daddr }`);
    lines.push('  }', '  chain nat_in { type nat hook prerouting priority dstnat; policy accept;');
    const admit = r.nat === 'address-restricted' ? 'udp dport . ip saddr @peers ' : '';
    if (cone) lines.push(`    iifname ${wan} meta l4proto udp ${admit}dnat ip to udp dport map @cone`);
    if (r.hairpin) lines.push(`    iifname ${lan} ip daddr ${r.wanAddr} meta l4proto udp dnat ip to udp dport map @cone`);
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** nft commands that forget every learned mapping (used with a conntrack flush on "reboot"). */
export function forgetMappingsRuleset(r: RouterPlan): string {
  if (r.nat === 'address-restricted') return 'flush map ip lab cone\nflush set ip lab peers\n';
  if (r.nat === 'full-cone' || r.hairpin) return 'flush map ip lab cone\n';
  return '';
}
