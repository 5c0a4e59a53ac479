import type { ProbeFn } from '@wirekube/gateway-agent';
import { parseProbeTarget } from '@wirekube/gateway-agent';
import type { IptablesPort, SysctlPort } from '@wirekube/host';
import type { LabHost } from '../../lab';

/**
 * The gateway agent's OS ports, executed inside a lab node's network namespace: what an agent
 * running on that node would do, from the test process. iptables and sysctl are the real tools.
 */
export function netnsIptables(host: LabHost): IptablesPort {
  return { run: async (args) => (await host.exec(['iptables', '-w', '5', ...args])).stdout };
}

/** `sysctl` inside the node's namespace (network keys are per namespace). */
export function netnsSysctl(host: LabHost): SysctlPort {
  return {
    read: async (key) => (await host.exec(['sysctl', '-n', key])).stdout.trim(),
    write: async (key, value) => void (await host.exec(['sysctl', '-q', '-w', `${key}=${value}`])),
  };
}

/** A TCP-connect health probe made from inside the node's namespace (bash's /dev/tcp). */
export function netnsProbe(host: LabHost): ProbeFn {
  return async (target, timeoutMs) => {
    const t = parseProbeTarget(target);
    if ('error' in t) return { ok: false, latencyMs: 0, detail: t.error };
    if (t.kind !== 'tcp') return { ok: false, latencyMs: 0, detail: 'the lab probe speaks TCP only' };
    const started = Date.now();
    const r = await host.exec(['timeout', String(timeoutMs / 1000), 'bash', '-c', `exec 3<>/dev/tcp/${t.host}/${t.port}`], { allowFail: true, timeoutMs: timeoutMs + 2000 });
    const latencyMs = Date.now() - started;
    return r.code === 0 ? { ok: true, latencyMs, detail: `tcp ${target} connected` } : { ok: false, latencyMs, detail: `tcp ${target}: ${r.code === 124 ? `no answer within ${timeoutMs} ms` : r.stderr.trim() || `exit ${r.code}`}` };
  };
}
