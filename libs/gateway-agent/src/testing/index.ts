import type { SnatPort, SysctlSetter } from '../gateway-host';
import type { SnatRuleSpec } from '../assignment';

/** An in-memory {@link SnatPort} printing its rules as sorted iptables-like text. */
export class FakeSnat implements SnatPort {
  rules: SnatRuleSpec[] = [];
  applies = 0;

  async set(rules: SnatRuleSpec[]): Promise<void> {
    this.applies++;
    this.rules = [...rules];
  }

  /** `-s S -d D -j MASQUERADE|SNAT --to-source X`, sorted. */
  text(): string[] {
    return this.rules.map((r) => `-s ${r.source}${r.destination ? ` -d ${r.destination}` : ''} -j ${r.toSource ? `SNAT --to-source ${r.toSource}` : 'MASQUERADE'}`).sort();
  }
}

/** An in-memory {@link SysctlSetter}. */
export class FakeSysctl implements SysctlSetter {
  readonly values = new Map<string, string>();

  async set(desired: Readonly<Record<string, string>>): Promise<void> {
    for (const [k, v] of Object.entries(desired)) this.values.set(k, v);
  }
}
