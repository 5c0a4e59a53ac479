import { existsSync } from 'node:fs';
import {
  HostNetworking, RtNetlinkHost, SNAT_CHAIN, WIREKUBE_PROTO, execIptables, parseTaggedRules, procSysctl, renderRoute, renderRule, MESH_TABLE, type HostPorts, type HostReport,
} from '@wirekube/host';
import { removeKeyFile } from '@wirekube/wg';
import { errorMessage } from '@wirekube/util';
import { CliError } from '../mesh-source';
import { printJson, type CommandContext } from './context';

/** The host ports cleanup drives: the real node (rtnetlink, /proc/sys, iptables) by default. */
export interface CleanupDeps {
  open(): HostPorts & { close(): void };
  removeKey(path: string): Promise<void>;
  keyExists(path: string): boolean;
}

/** This node's real network stack and filesystem. */
export const realCleanupDeps: CleanupDeps = {
  open() {
    const net = new RtNetlinkHost();
    return { routes: net, rules: net, link: net, sysctl: procSysctl(), iptables: execIptables(), close: () => net.close() };
  },
  removeKey: removeKeyFile,
  keyExists: existsSync,
};

/** What WireKube has installed right now, as `ip`/`iptables` text; read-only. */
async function inventory(ports: HostPorts, linkName: string): Promise<string[]> {
  const routes = (await ports.routes.listRoutes(MESH_TABLE)).filter((r) => r.proto === WIREKUBE_PROTO).map(renderRoute);
  const rules = (await ports.rules.listRules()).filter((r) => r.proto === WIREKUBE_PROTO).map(renderRule);
  const link = (await ports.link.getLink(linkName)) ? [`ip link del ${linkName}`] : [];
  let snat: string[] = [];
  try {
    const chains = await ports.iptables.run(['-t', 'nat', '-S']);
    if (chains.split('\n').includes(`-N ${SNAT_CHAIN}`)) snat = parseTaggedRules(await ports.iptables.run(['-t', 'nat', '-S', SNAT_CHAIN]), SNAT_CHAIN).map((r) => `iptables -t nat -A ${SNAT_CHAIN} ${r.args.join(' ')}`);
  } catch {
    // No iptables on this node: there can be no WireKube SNAT rules either.
  }
  return [...rules, ...routes, ...snat, ...link];
}

/**
 * `wirekubectl cleanup [--yes] [--keep-key]`: removes WireKube's rules, mesh-table routes, SNAT
 * rules and interface from this node (the same appliers the agent uses, so only what carries
 * WireKube's marks is touched), then the private key unless --keep-key. Without --yes it only
 * lists what it would remove. Stop the agent first, or it reinstalls everything.
 */
export async function cleanupCommand(ctx: CommandContext, deps: CleanupDeps = realCleanupDeps): Promise<number> {
  if (ctx.args.length) throw new CliError('usage', `cleanup takes no arguments, got ${ctx.args.join(' ')}`, 2);
  const { interfaceName, keyFile, keepKey, yes } = ctx.config;
  let ports;
  try {
    ports = deps.open();
  } catch (err) {
    throw new CliError('host', `cannot open the host's netlink socket: ${errorMessage(err)}`, 1, { cause: err });
  }
  try {
    const found = await inventory(ports, interfaceName);
    const key = !keepKey && deps.keyExists(keyFile) ? [`rm ${keyFile}`] : [];
    if (!yes) {
      if (ctx.config.output === 'json') printJson(ctx, { dryRun: true, wouldRemove: [...found, ...key] });
      else if (found.length + key.length === 0) ctx.out('Nothing of WireKube is installed on this node.\n');
      else ctx.out(`Would remove (run again with --yes; stop the agent first):\n${[...found, ...key].map((l) => `  ${l}`).join('\n')}\n`);
      return 0;
    }
    let report: HostReport;
    try {
      report = await new HostNetworking(ports).cleanup(interfaceName);
    } catch (err) {
      throw new CliError('cleanup-failed', `cleanup failed (are you root?): ${errorMessage(err)}`, 1, { cause: err });
    }
    if (key.length) await deps.removeKey(keyFile);
    const removed = { ...Object.fromEntries(Object.entries(report).map(([k, r]) => [k, r.removed])), key: key.length ? [keyFile] : [] };
    const failed = Object.values(report).flatMap((r) => r.failed);
    if (ctx.config.output === 'json') printJson(ctx, { removed, failed });
    else {
      const lines = Object.entries(removed).filter(([, v]) => v.length).map(([k, v]) => `  ${k}: ${v.join(', ')}`);
      ctx.out(lines.length ? `Removed:\n${lines.join('\n')}\n` : 'Nothing of WireKube was installed on this node.\n');
      for (const f of failed) ctx.out(`Could not remove: ${f}\n`);
    }
    return failed.length ? 1 : 0;
  } finally {
    ports.close();
  }
}
