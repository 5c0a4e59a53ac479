import type { IptablesPort } from '../ports';

const BUILTIN: Record<string, string[]> = {
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/**
 * An in-memory iptables understanding the subset WireKube uses (`-t`, `-N`, `-X`, `-A`, `-D`,
 * `-S`), with iptables' refusals (deleting a missing rule, removing a non-empty chain). Rules are
 * stored as the argument text, as `iptables -S` (nft backend) prints them, comments quoted. {@link FakeIptables.snapshot} gives
 * sorted `iptables -t <table> -A …` text.
 */
export class FakeIptables implements IptablesPort {
  private readonly tables = new Map<string, Map<string, string[]>>();
  /** Every invocation, in order. */
  readonly calls: string[] = [];

  constructor() {
    for (const [t, chains] of Object.entries(BUILTIN)) this.tables.set(t, new Map(chains.map((c) => [c, []])));
  }

  async run(args: string[]): Promise<string> {
    this.calls.push(`iptables ${args.join(' ')}`);
    let table = 'filter';
    const rest = [...args];
    if (rest[0] === '-t') {
      table = rest[1];
      rest.splice(0, 2);
    }
    const chains = this.tables.get(table);
    if (!chains) throw new Error(`iptables: table ${table} does not exist`);
    const [op, chain, ...spec] = rest;
    const rules = chain === undefined ? undefined : chains.get(chain);
    const fail = (msg: string) => {
      throw new Error(`iptables: ${msg}`);
    };
    switch (op) {
      case '-N':
        if (rules) fail('Chain already exists.');
        chains.set(chain, []);
        return '';
      case '-X':
        if (!rules) fail('No chain/target/match by that name.');
        if (rules!.length) fail('Directory not empty.');
        chains.delete(chain);
        return '';
      case '-A':
        if (!rules) fail('No chain/target/match by that name.');
        rules!.push(quote(spec));
        return '';
      case '-D': {
        const i = rules?.indexOf(quote(spec)) ?? -1;
        if (i < 0) fail('Bad rule (does a matching rule exist in that chain?).');
        rules!.splice(i, 1);
        return '';
      }
      case '-S':
        if (chain === undefined) {
          return [...chains].flatMap(([c, rs]) => [BUILTIN[table]?.includes(c) ? `-P ${c} ACCEPT` : `-N ${c}`, ...rs.map((r) => `-A ${c} ${r}`)]).join('\n') + '\n';
        }
        if (!rules) fail('No chain/target/match by that name.');
        return [BUILTIN[table]?.includes(chain) ? `-P ${chain} ACCEPT` : `-N ${chain}`, ...rules!.map((r) => `-A ${chain} ${r}`)].join('\n') + '\n';
      default:
        throw new Error(`fake iptables: unsupported ${args.join(' ')}`);
    }
  }

  /** Sorted text of every user chain and every rule. */
  snapshot(): string {
    const lines: string[] = [];
    for (const [t, chains] of this.tables) {
      for (const [c, rules] of chains) {
        if (!BUILTIN[t]?.includes(c)) lines.push(`iptables -t ${t} -N ${c}`);
        for (const r of rules) lines.push(`iptables -t ${t} -A ${c} ${r}`);
      }
    }
    return lines.sort().join('\n');
  }
}

// iptables-nft prints every comment quoted, and any other argument with spaces too.
function quote(spec: string[]): string {
  return spec.map((a, i) => (/\s/.test(a) || spec[i - 1] === '--comment' ? `"${a}"` : a)).join(' ');
}
