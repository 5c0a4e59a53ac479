import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { discoverNat, formatAddress, openDgramPort, type DiscoveryReport, type TransportAddress, type UdpPortFactory } from '@wirekube/nat';
import { cryptoRng, errorMessage, systemClock, type Clock, type Rng } from '@wirekube/util';
import { CliError } from '../mesh-source';
import { printJson, type CommandContext } from './context';

/** Sockets, time and randomness of a probe; real ones by default, fakes in tests. */
export interface NetcheckDeps {
  open: UdpPortFactory;
  clock: Clock;
  rng: Rng;
  resolve(host: string): Promise<string>;
  localAddresses(): string[];
}

/** The machine's real network. */
export const realNetcheckDeps: NetcheckDeps = {
  open: openDgramPort,
  clock: systemClock,
  rng: cryptoRng,
  resolve: async (host) => (await lookup(host, { family: 4 })).address,
  localAddresses: () => Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)),
};

async function resolveServers(servers: readonly string[], deps: NetcheckDeps): Promise<TransportAddress[]> {
  return Promise.all(
    servers.map(async (s) => {
      const i = s.lastIndexOf(':');
      const host = s.slice(0, i).replace(/^\[|\]$/g, '');
      const port = Number(s.slice(i + 1));
      if (isIP(host)) return { ip: host, port };
      try {
        return { ip: await deps.resolve(host), port };
      } catch (err) {
        throw new CliError('dns', `cannot resolve STUN server ${s}: ${errorMessage(err)}`, 1, { cause: err });
      }
    }),
  );
}

const ALLOCATION: Record<string, string> = {
  preserving: 'keeps the local port',
  sequential: 'increments per mapping',
  random: 'random per mapping',
  unknown: 'unknown',
};

/**
 * `wirekubectl netcheck`: RFC 5780 NAT behaviour discovery from this machine against
 * --stun-servers, or the mesh's STUN servers when none are given (then the API is needed).
 * Exit code 1 when no server answered (UDP blocked).
 */
export async function netcheckCommand(ctx: CommandContext, deps: NetcheckDeps = realNetcheckDeps): Promise<number> {
  if (ctx.args.length) throw new CliError('usage', `netcheck takes no arguments (use --stun-servers), got ${ctx.args.join(' ')}`, 2);
  const names = ctx.config.stunServers.length ? ctx.config.stunServers : (await ctx.source().mesh(ctx.config.mesh)).spec.stunServers;
  const servers = await resolveServers(names, deps);
  const report: DiscoveryReport = await discoverNat({ servers, open: deps.open, clock: deps.clock, rng: deps.rng, timeoutMs: ctx.config.timeout, localAddresses: deps.localAddresses });
  if (ctx.config.output === 'json') printJson(ctx, { servers: names, ...report });
  else {
    const alloc = report.allocation === 'sequential' ? `${ALLOCATION.sequential} (delta ${report.allocationDelta})` : ALLOCATION[report.allocation];
    const lines = [
      `NAT type:        ${report.type}`,
      `Mapping:         ${report.mapping}`,
      `Filtering:       ${report.filtering}`,
      `Port allocation: ${alloc}${report.portPreserved ? ', source port preserved' : ''}`,
      `Public address:  ${report.mapped ? formatAddress(report.mapped) : '-'}`,
      `Local socket:    ${report.local ? formatAddress(report.local) : '-'}`,
      `Method:          ${report.method === 'rfc5780' ? 'RFC 5780 (CHANGE-REQUEST)' : report.method === 'multi-server' ? 'comparing plain STUN servers' : 'no server answered'} in ${report.durationMs}ms`,
      `Servers:         ${names.join(', ')}`,
      ...report.notes.map((n, i) => `${i === 0 ? 'Observed:        ' : '                 '}${n}`),
    ];
    ctx.out(`${lines.join('\n')}\n`);
  }
  return report.type === 'udp-blocked' ? 1 : 0;
}
