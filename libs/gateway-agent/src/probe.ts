import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { isIP } from 'node:net';
import { errorMessage } from '@wirekube/util';

/** Outcome of one probe. */
export interface ProbeResult {
  ok: boolean;
  /** Round trip in ms (connect or echo), measured even on failure. */
  latencyMs: number;
  /** Why it failed, or what answered. */
  detail: string;
}

/** One probe of a target with a deadline. Implementations never reject: failures are results. */
export type ProbeFn = (target: string, timeoutMs: number) => Promise<ProbeResult>;

/** Splits a health target into the probe kind it calls for: `host:port` → TCP, bare IPv4/IPv6 → ICMP. */
export function parseProbeTarget(target: string): { kind: 'tcp'; host: string; port: number } | { kind: 'icmp'; host: string } | { error: string } {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(target);
  const plain = /^([^:]+):(\d+)$/.exec(target);
  const m = bracketed ?? plain;
  if (m) {
    const port = Number(m[2]);
    if (!isIP(m[1]) && !/^[a-z0-9.-]+$/i.test(m[1])) return { error: `bad host in ${JSON.stringify(target)}` };
    if (!Number.isInteger(port) || port < 1 || port > 65535) return { error: `bad port in ${JSON.stringify(target)}` };
    return { kind: 'tcp', host: m[1], port };
  }
  if (isIP(target)) return { kind: 'icmp', host: target };
  return { error: `health target ${JSON.stringify(target)} is neither host:port (TCP) nor an IP (ICMP)` };
}

/** A TCP-connect probe: success when the handshake completes within the deadline (any listener answers). */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const start = performance.now();
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (ok: boolean, detail: string) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok, latencyMs: Math.round(performance.now() - start), detail });
    };
    const timer = setTimeout(() => done(false, `tcp ${host}:${port}: no answer within ${timeoutMs} ms`), timeoutMs);
    sock.once('connect', () => done(true, `tcp ${host}:${port} connected`));
    sock.once('error', (err) => done(false, `tcp ${host}:${port}: ${errorMessage(err)}`));
  });
}

/**
 * An ICMP echo probe through the `ping` binary (raw sockets need privileges Node does not have
 * without it). One echo, deadline rounded up to whole seconds as ping wants.
 */
export function icmpProbe(host: string, timeoutMs: number): Promise<ProbeResult> {
  const start = performance.now();
  const wait = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  return new Promise((resolve) => {
    execFile('ping', ['-n', '-q', '-c', '1', '-W', wait, host], { timeout: timeoutMs + 1000 }, (err, stdout) => {
      const latencyMs = Math.round(performance.now() - start);
      if (err) resolve({ ok: false, latencyMs, detail: `icmp ${host}: no echo reply within ${timeoutMs} ms` });
      else resolve({ ok: true, latencyMs, detail: `icmp ${host}: ${/(\d+) received/.exec(stdout)?.[0] ?? 'echo reply'}` });
    });
  });
}

/** The production {@link ProbeFn}: TCP for `host:port`, ICMP for an IP; an unparsable target fails every probe. */
export const networkProbe: ProbeFn = async (target, timeoutMs) => {
  const t = parseProbeTarget(target);
  if ('error' in t) return { ok: false, latencyMs: 0, detail: t.error };
  return t.kind === 'tcp' ? tcpProbe(t.host, t.port, timeoutMs) : icmpProbe(t.host, timeoutMs);
};
