import type { Logger } from '@wirekube/util';
import { errorMessage, memoByObject, nullLogger } from '@wirekube/util';
import { canonicalCidr } from '@wirekube/wg';
import { MESH_TABLE, WIREKUBE_PROTO } from './constants';
import type { RouteSpec } from './model';
import { routeKey } from './model';
import type { RoutePort } from './ports';

/** What an applier changed in one `set`, for logs and tests. */
export interface ApplyReport {
  added: string[];
  removed: string[];
  /** Entries it could not apply (kept for the next `set`), with the reason. */
  failed: string[];
}

// Desired routes by object, keyed and canonical: a caller that hands the same unchanged specs on
// every pass (the agent, at 1000 routes, see docs/scale.md) derives each once. Specs are read-only.
const keyed = memoByObject((r: RouteSpec): readonly [string, RouteSpec] => [routeKey(r), { ...r, dst: canonicalCidr(r.dst) }]);

/**
 * Level-triggered owner of the mesh routes in one table. `set(desired)` reads the table, deletes
 * WireKube routes (proto {@link WIREKUBE_PROTO}) that are not desired, and adds desired ones that
 * are missing — including ones someone else deleted. Routes with any other protocol are never
 * touched; a foreign route in the way of a desired one is reported as failed, not replaced.
 */
export class RouteApplier {
  private readonly log: Logger;

  constructor(
    private readonly port: RoutePort,
    private readonly table = MESH_TABLE,
    logger: Logger = nullLogger,
  ) {
    this.log = logger.child({ component: 'routes', table });
  }

  async set(desired: RouteSpec[]): Promise<ApplyReport> {
    const report: ApplyReport = { added: [], removed: [], failed: [] };
    const want = new Map(desired.map(keyed));
    const live = await this.port.listRoutes(this.table);
    const liveKeyed = live.map((r) => [routeKey(r), r] as const);
    const liveKeys = new Set(liveKeyed.map(([k]) => k));
    for (const [key, r] of liveKeyed) {
      if (r.proto !== WIREKUBE_PROTO || want.has(key)) continue;
      await this.attempt(report, 'removed', key, () => this.port.delRoute(r));
    }
    for (const [key, r] of want) {
      if (liveKeys.has(key)) continue;
      await this.attempt(report, 'added', key, () => this.port.addRoute({ ...r, table: this.table, proto: WIREKUBE_PROTO }));
    }
    if (report.added.length || report.removed.length || report.failed.length) this.log.info('routes changed', { ...report });
    return report;
  }

  /** Removes every WireKube route from the table. */
  async cleanup(): Promise<ApplyReport> {
    return this.set([]);
  }

  private async attempt(report: ApplyReport, kind: 'added' | 'removed', key: string, op: () => Promise<void>): Promise<void> {
    try {
      await op();
      report[kind].push(key);
    } catch (err) {
      report.failed.push(`${kind === 'added' ? 'add' : 'del'} ${key}: ${errorMessage(err)}`);
    }
  }
}

