import type { Logger } from '@wirekube/util';
import { errorMessage, nullLogger, WireKubeError } from '@wirekube/util';
import { formatIp, parseIp } from '@wirekube/wg';
import type { LinkSpec } from './model';
import type { LinkPort } from './ports';
import type { ApplyReport } from './route-applier';

/** The interface to configure does not exist (the WireGuard backend has not created it yet). */
export class LinkMissingError extends WireKubeError {
  constructor(name: string) {
    super('link-missing', `network interface ${name} does not exist`);
  }
}

/**
 * Level-triggered owner of the mesh interface's MTU, state and addresses. The interface belongs to
 * WireKube, so every IPv4 or global IPv6 address on it that is not desired is removed.
 */
export class LinkApplier {
  private readonly log: Logger;

  constructor(
    private readonly port: LinkPort,
    logger: Logger = nullLogger,
  ) {
    this.log = logger.child({ component: 'link' });
  }

  async set(desired: LinkSpec): Promise<ApplyReport> {
    const live = await this.port.getLink(desired.name);
    if (!live) throw new LinkMissingError(desired.name);
    const report: ApplyReport = { added: [], removed: [], failed: [] };
    const step = async (what: string, list: 'added' | 'removed', op: () => Promise<void>) => {
      try {
        await op();
        report[list].push(what);
      } catch (err) {
        report.failed.push(`${what}: ${errorMessage(err)}`);
      }
    };
    const want = new Set(desired.addresses.map(canonicalAddr));
    for (const a of live.addresses) if (!want.has(a)) await step(`addr ${a}`, 'removed', () => this.port.delAddress(desired.name, a));
    for (const a of want) if (!live.addresses.includes(a)) await step(`addr ${a}`, 'added', () => this.port.addAddress(desired.name, a));
    if (live.mtu !== desired.mtu) await step(`mtu ${desired.mtu}`, 'added', () => this.port.setMtu(desired.name, desired.mtu));
    if (live.up !== desired.up) await step(desired.up ? 'up' : 'down', 'added', () => this.port.setUp(desired.name, desired.up));
    if (report.added.length || report.removed.length || report.failed.length) this.log.info('link changed', { name: desired.name, ...report });
    return report;
  }
}

/** `100.96.0.1/32` with the address kept (not the network) and its text canonical. */
function canonicalAddr(cidr: string): string {
  const [ip, len] = cidr.split('/');
  const bytes = parseIp(ip);
  return `${formatIp(bytes)}/${len === undefined ? bytes.length * 8 : Number(len)}`;
}
