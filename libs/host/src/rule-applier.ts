import type { Logger } from '@wirekube/util';
import { errorMessage, nullLogger } from '@wirekube/util';
import { canonicalCidr } from '@wirekube/wg';
import { WIREKUBE_PROTO } from './constants';
import type { RuleSpec } from './model';
import { ruleFamily, ruleKey } from './model';
import type { RulePort } from './ports';
import type { ApplyReport } from './route-applier';

/**
 * Level-triggered owner of WireKube's policy rules (proto {@link WIREKUBE_PROTO}). Adds missing
 * desired rules, deletes its own undesired ones, never touches anyone else's.
 */
export class RuleApplier {
  private readonly log: Logger;

  constructor(
    private readonly port: RulePort,
    logger: Logger = nullLogger,
  ) {
    this.log = logger.child({ component: 'rules' });
  }

  async set(desired: RuleSpec[]): Promise<ApplyReport> {
    const report: ApplyReport = { added: [], removed: [], failed: [] };
    const want = new Map(desired.map((r) => [ruleKey(r), { ...r, family: ruleFamily(r), ...(r.to !== undefined && { to: canonicalCidr(r.to) }) }]));
    const live = (await this.port.listRules()).filter((r) => r.proto === WIREKUBE_PROTO);
    const liveKeys = new Set(live.map(ruleKey));
    for (const r of live) {
      if (want.has(ruleKey(r))) continue;
      try {
        await this.port.delRule(r);
        report.removed.push(ruleKey(r));
      } catch (err) {
        report.failed.push(`del ${ruleKey(r)}: ${errorMessage(err)}`);
      }
    }
    for (const [key, r] of want) {
      if (liveKeys.has(key)) continue;
      try {
        await this.port.addRule({ ...r, proto: WIREKUBE_PROTO });
        report.added.push(key);
      } catch (err) {
        report.failed.push(`add ${key}: ${errorMessage(err)}`);
      }
    }
    if (report.added.length || report.removed.length || report.failed.length) this.log.info('rules changed', { ...report });
    return report;
  }

  /** Removes every WireKube rule. */
  async cleanup(): Promise<ApplyReport> {
    return this.set([]);
  }
}
