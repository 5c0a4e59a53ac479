import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  MAIN_TABLE, MESH_FWMARK, MESH_TABLE, RULE_PRIO_API_SERVER, RULE_PRIO_FWMARK, RULE_PRIO_MESH, RtNetlinkHost, SNAT_CHAIN, SnatApplier, WIREKUBE_PROTO,
  execIptables, parseTaggedRules, renderRule, type IptablesPort, type LinkPort, type RuleEntry, type RulePort,
} from '@wirekube/host';
import { removeKeyFile } from '@wirekube/wg';
import { errorMessage } from '@wirekube/util';
import { CliError } from '../mesh-source';
import { printJson, type CommandContext } from './context';

/** The node as cleanup sees it. Routes go through iproute2: the mesh table also holds `throw` routes. */
export interface CleanupHost {
  rules: RulePort;
  link: LinkPort;
  iptables: IptablesPort;
  /** Every route in `table`, as `ip route` text. */
  listTable(table: number): Promise<string[]>;
  /** Removes every route in `table`. */
  flushTable(table: number): Promise<void>;
  close(): void;
}

/** How cleanup reaches the node and its files; the real ones by default. */
export interface CleanupDeps {
  open(): CleanupHost;
  exists(path: string): boolean;
  remove(path: string): Promise<void>;
  removeKey(path: string): Promise<void>;
}

const ip = promisify(execFile);

/** This node: rtnetlink for rules and the link, iproute2 for the mesh table, iptables for SNAT. */
export const realCleanupDeps: CleanupDeps = {
  open() {
    const net = new RtNetlinkHost();
    return {
      rules: net,
      link: net,
      iptables: execIptables(),
      listTable: async (t) => (await ip('ip', ['-4', 'route', 'show', 'table', String(t)], { timeout: 5000 })).stdout.split('\n').filter(Boolean),
      flushTable: async (t) => void (await ip('ip', ['-4', 'route', 'flush', 'table', String(t)], { timeout: 5000 })),
      close: () => net.close(),
    };
  },
  exists: existsSync,
  remove: (p) => rm(p, { force: true }),
  removeKey: removeKeyFile,
};

/**
 * True for the three rules WireKube installs, whichever component installed them: the agent owns
 * them by shape and priority, `@wirekube/host` also tags them with protocol 87.
 */
export function isWireKubeRule(r: RuleEntry): boolean {
  if (r.proto === WIREKUBE_PROTO) return true;
  if (r.priority === RULE_PRIO_FWMARK) return r.table === MAIN_TABLE && r.fwmark === MESH_FWMARK && !r.to;
  if (r.priority === RULE_PRIO_API_SERVER) return r.table === MAIN_TABLE && !!r.to && r.fwmark === undefined;
  if (r.priority === RULE_PRIO_MESH) return r.table === MESH_TABLE && !r.to && r.fwmark === undefined;
  return false;
}

/** Agent files other than the key: userspace UAPI socket, AgentAdmin socket, installed-state record. */
function agentFiles(iface: string, keyFile: string): string[] {
  return [join('/var/run/wireguard', `${iface}.sock`), '/var/run/wirekube/agent.sock', join(dirname(keyFile), 'agent-installed.json')];
}

async function snatRules(ipt: IptablesPort): Promise<string[]> {
  try {
    const chains = await ipt.run(['-t', 'nat', '-S']);
    if (!chains.split('\n').includes(`-N ${SNAT_CHAIN}`)) return [];
    return parseTaggedRules(await ipt.run(['-t', 'nat', '-S', SNAT_CHAIN]), SNAT_CHAIN).map((r) => `iptables -t nat -A ${SNAT_CHAIN} ${r.args.join(' ')}`);
  } catch {
    return []; // no iptables on this node: there can be no WireKube SNAT rules either
  }
}

/**
 * `wirekubectl cleanup [--yes] [--keep-key]`: removes from this node WireKube's ip rules, every
 * route of its table 22347, its SNAT chain, its interface (a userspace wireguard-go exits with
 * it), the agent's sockets and state record, and the private key unless --keep-key. Entries of
 * other tools are never touched. Without --yes it only lists what it would remove. Stop the
 * agent first (or drain the node), or it reinstalls everything within seconds.
 */
export async function cleanupCommand(ctx: CommandContext, deps: CleanupDeps = realCleanupDeps): Promise<number> {
  if (ctx.args.length) throw new CliError('usage', `cleanup takes no arguments, got ${ctx.args.join(' ')}`, 2);
  const { interfaceName, keyFile, keepKey, yes } = ctx.config;
  let host: CleanupHost;
  try {
    host = deps.open();
  } catch (err) {
    throw new CliError('host', `cannot open the host's netlink socket: ${errorMessage(err)}`, 1, { cause: err });
  }
  try {
    const rules = (await host.rules.listRules()).filter(isWireKubeRule);
    const routes = await host.listTable(MESH_TABLE);
    const snat = await snatRules(host.iptables);
    const link = await host.link.getLink(interfaceName);
    const files = [...agentFiles(interfaceName, keyFile), ...(keepKey ? [] : [keyFile])].filter((p) => deps.exists(p));
    const plan = [
      ...rules.map(renderRule),
      ...routes.map((r) => `ip route del ${r} table ${MESH_TABLE}`),
      ...snat,
      ...(link ? [`ip link del ${interfaceName}`] : []),
      ...files.map((f) => `rm ${f}`),
    ];
    if (!yes) {
      if (ctx.config.output === 'json') printJson(ctx, { dryRun: true, wouldRemove: plan });
      else if (plan.length === 0) ctx.out('Nothing of WireKube is installed on this node.\n');
      else ctx.out(`Would remove (run again with --yes; stop the agent first):\n${plan.map((l) => `  ${l}`).join('\n')}\n`);
      return 0;
    }
    const done: string[] = [];
    const failed: string[] = [];
    const attempt = async (lines: string[], fn: () => Promise<unknown>) => {
      try {
        await fn();
        done.push(...lines);
      } catch (err) {
        failed.push(`${lines[0]}${lines.length > 1 ? ` (+${lines.length - 1})` : ''}: ${errorMessage(err)}`);
      }
    };
    // Rules first: once they are gone nothing is steered into the table being emptied.
    for (const r of rules) await attempt([renderRule(r)], () => host.rules.delRule(r));
    if (routes.length) await attempt(plan.filter((l) => l.startsWith('ip route del')), () => host.flushTable(MESH_TABLE));
    if (snat.length) await attempt(snat, () => new SnatApplier(host.iptables).cleanup());
    if (link) await attempt([`ip link del ${interfaceName}`], () => host.link.deleteLink(interfaceName));
    for (const f of files) await attempt([`rm ${f}`], () => (f === keyFile ? deps.removeKey(f) : deps.remove(f)));
    if (ctx.config.output === 'json') printJson(ctx, { removed: done, failed });
    else {
      ctx.out(done.length ? `Removed:\n${done.map((l) => `  ${l}`).join('\n')}\n` : 'Nothing of WireKube was installed on this node.\n');
      for (const f of failed) ctx.out(`Could not remove ${f}\n`);
    }
    return failed.length ? 1 : 0;
  } finally {
    host.close();
  }
}
