import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@wirekube/util';
import { nullLogger, WireKubeError } from '@wirekube/util';
import type { SysctlPort } from './ports';
import type { ApplyReport } from './route-applier';

/** A sysctl name that could escape /proc/sys or does not look like one. */
export class InvalidSysctlError extends WireKubeError {
  constructor(key: string) {
    super('invalid-sysctl', `not a sysctl name: ${JSON.stringify(key)}`);
  }
}

/** Sysctls a node needs: forwarding for mesh/gateway traffic, src_valid_mark for fwmark routing. */
export const NODE_SYSCTLS: Readonly<Record<string, string>> = {
  'net.ipv4.ip_forward': '1',
  'net.ipv4.conf.all.src_valid_mark': '1',
};

/** A {@link SysctlPort} over /proc/sys (network keys are per network namespace). */
export function procSysctl(root = '/proc/sys'): SysctlPort {
  const path = (key: string) => {
    if (!/^[a-z0-9_]+(\.[a-z0-9_-]+)+$/i.test(key)) throw new InvalidSysctlError(key);
    return join(root, ...key.split('.'));
  };
  return {
    read: async (key) => (await readFile(path(key), 'utf8')).trim(),
    write: async (key, value) => writeFile(path(key), `${value}\n`),
  };
}

/**
 * Level-triggered sysctl setter: writes only values that differ and remembers the value it found
 * the first time it changed a key, so {@link SysctlApplier.cleanup} can restore it. (Across agent
 * restarts the original is unknown; cleanup then leaves the key as it is.)
 */
export class SysctlApplier {
  private readonly originals = new Map<string, string>();
  private readonly log: Logger;

  constructor(
    private readonly port: SysctlPort,
    logger: Logger = nullLogger,
  ) {
    this.log = logger.child({ component: 'sysctl' });
  }

  async set(desired: Readonly<Record<string, string>>): Promise<ApplyReport> {
    const report: ApplyReport = { added: [], removed: [], failed: [] };
    for (const [key, value] of Object.entries(desired)) {
      const current = await this.port.read(key);
      if (current === value) continue;
      if (!this.originals.has(key)) this.originals.set(key, current);
      await this.port.write(key, value);
      report.added.push(`${key}=${value}`);
    }
    if (report.added.length) this.log.info('sysctls changed', { ...report });
    return report;
  }

  /** Restores every key this instance changed to the value it originally had. */
  async cleanup(): Promise<ApplyReport> {
    const report: ApplyReport = { added: [], removed: [], failed: [] };
    for (const [key, value] of this.originals) {
      await this.port.write(key, value);
      report.removed.push(`${key}=${value}`);
    }
    this.originals.clear();
    return report;
  }
}
