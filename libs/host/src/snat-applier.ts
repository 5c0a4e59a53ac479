import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import type { Logger } from '@wirekube/util';
import { nullLogger, WireKubeError } from '@wirekube/util';
import { canonicalCidr, formatIp, parseIp } from '@wirekube/wg';
import { IPTABLES_TAG, SNAT_CHAIN } from './constants';
import type { SnatRule } from './model';
import type { IptablesPort } from './ports';
import type { ApplyReport } from './route-applier';

/** An iptables invocation failed. */
export class IptablesError extends WireKubeError {
  constructor(args: string[], stderr: string, options?: { cause?: unknown }) {
    super('iptables', `iptables ${args.join(' ')}: ${stderr.trim() || 'failed'}`, options);
  }
}

/** An {@link IptablesPort} running the `iptables` binary (nft backend here) with the xtables lock. */
export function execIptables(binary = 'iptables'): IptablesPort {
  return {
    run: (args) =>
      new Promise((resolve, reject) => {
        execFile(binary, ['-w', '5', ...args], (err, stdout, stderr) => (err ? reject(new IptablesError(args, stderr, { cause: err })) : resolve(stdout)));
      }),
  };
}

const JUMP_COMMENT = `${IPTABLES_TAG}:jump`;

/** The iptables argument list (after `-A <chain>`) of one rule, tagged with its identity. */
export function snatRuleArgs(r: SnatRule): string[] {
  const args = ['-s', canonicalCidr(r.source)];
  if (r.destination) args.push('-d', canonicalCidr(r.destination));
  if (r.outInterface) args.push('-o', r.outInterface);
  args.push('-m', 'comment', '--comment', snatTag(r));
  args.push('-j', ...(r.toSource ? ['SNAT', '--to-source', formatIp(parseIp(r.toSource))] : ['MASQUERADE']));
  return args;
}

/**
 * The comment identifying a rule: the tag plus a hash of its canonical spec. Diffing by comment
 * is immune to how iptables re-prints addresses and options.
 */
export function snatTag(r: SnatRule): string {
  const canonical = [canonicalCidr(r.source), r.destination ? canonicalCidr(r.destination) : '', r.outInterface ?? '', r.toSource ? formatIp(parseIp(r.toSource)) : ''].join('|');
  return `${IPTABLES_TAG}:${createHash('sha256').update(canonical).digest('hex').slice(0, 12)}`;
}

/**
 * Level-triggered owner of the gateway's SNAT/MASQUERADE rules. They live in the nat-table chain
 * {@link SNAT_CHAIN}, reached by one tagged jump from POSTROUTING; every rule carries a
 * `wirekube:<hash>` comment, and only rules with such a comment are ever deleted.
 */
export class SnatApplier {
  private readonly log: Logger;

  constructor(
    private readonly ipt: IptablesPort,
    logger: Logger = nullLogger,
  ) {
    this.log = logger.child({ component: 'snat' });
  }

  /** Makes the chain hold exactly `desired`; an empty list removes the chain and jump altogether. */
  async set(desired: SnatRule[]): Promise<ApplyReport> {
    if (desired.length === 0) return this.cleanup();
    const report: ApplyReport = { added: [], removed: [], failed: [] };
    await this.ensureChain(report);
    const want = new Map(desired.map((r) => [snatTag(r), r]));
    const live = parseTaggedRules(await this.ipt.run(['-t', 'nat', '-S', SNAT_CHAIN]), SNAT_CHAIN);
    for (const rule of live) {
      if (want.has(rule.tag)) continue;
      await this.ipt.run(['-t', 'nat', '-D', SNAT_CHAIN, ...rule.args]);
      report.removed.push(rule.tag);
    }
    const liveTags = new Set(live.map((r) => r.tag));
    for (const [tag, r] of want) {
      if (liveTags.has(tag)) continue;
      await this.ipt.run(['-t', 'nat', '-A', SNAT_CHAIN, ...snatRuleArgs(r)]);
      report.added.push(tag);
    }
    if (report.added.length || report.removed.length) this.log.info('SNAT rules changed', { ...report });
    return report;
  }

  /** Removes the jump, WireKube's rules and the chain. Rules without the tag are not touched. */
  async cleanup(): Promise<ApplyReport> {
    const report: ApplyReport = { added: [], removed: [], failed: [] };
    for (const jump of parseTaggedRules(await this.ipt.run(['-t', 'nat', '-S', 'POSTROUTING']), 'POSTROUTING')) {
      await this.ipt.run(['-t', 'nat', '-D', 'POSTROUTING', ...jump.args]);
      report.removed.push(jump.tag);
    }
    const chains = await this.ipt.run(['-t', 'nat', '-S']);
    if (!chains.split('\n').includes(`-N ${SNAT_CHAIN}`)) return report;
    for (const rule of parseTaggedRules(await this.ipt.run(['-t', 'nat', '-S', SNAT_CHAIN]), SNAT_CHAIN)) {
      await this.ipt.run(['-t', 'nat', '-D', SNAT_CHAIN, ...rule.args]);
      report.removed.push(rule.tag);
    }
    try {
      await this.ipt.run(['-t', 'nat', '-X', SNAT_CHAIN]);
      report.removed.push(SNAT_CHAIN);
    } catch (err) {
      // Someone else put a rule in our chain: leave it (and the chain) alone.
      report.failed.push(`${SNAT_CHAIN}: ${(err as Error).message}`);
    }
    return report;
  }

  private async ensureChain(report: ApplyReport): Promise<void> {
    const chains = await this.ipt.run(['-t', 'nat', '-S']);
    const lines = chains.split('\n');
    if (!lines.includes(`-N ${SNAT_CHAIN}`)) {
      await this.ipt.run(['-t', 'nat', '-N', SNAT_CHAIN]);
      report.added.push(SNAT_CHAIN);
    }
    const jumps = parseTaggedRules(chains, 'POSTROUTING').filter((r) => r.tag === JUMP_COMMENT);
    if (jumps.length === 0) {
      await this.ipt.run(['-t', 'nat', '-A', 'POSTROUTING', '-m', 'comment', '--comment', JUMP_COMMENT, '-j', SNAT_CHAIN]);
      report.added.push(JUMP_COMMENT);
    }
  }
}

/** A rule from `iptables -S` output that carries a WireKube comment. */
export interface TaggedRule {
  tag: string;
  /** The rule's arguments after `-A <chain>`, as iptables printed them (usable with `-D`). */
  args: string[];
}

/** Parses `iptables -S` output, keeping `-A <chain>` rules whose comment starts with the tag. */
export function parseTaggedRules(output: string, chain: string): TaggedRule[] {
  const out: TaggedRule[] = [];
  for (const line of output.split('\n')) {
    const args = splitArgs(line);
    if (args[0] !== '-A' || args[1] !== chain) continue;
    const i = args.indexOf('--comment');
    const tag = i >= 0 ? args[i + 1] : undefined;
    if (tag?.startsWith(`${IPTABLES_TAG}:`)) out.push({ tag, args: args.slice(2) });
  }
  return out;
}

// iptables -S quotes comments containing spaces; ours never do, but others' might.
function splitArgs(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}
