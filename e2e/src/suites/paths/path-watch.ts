import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab } from '../../lab';
import { peerPathReader, type PeerPath } from '../agent/mesh-lab';

/** One agent's view of one peer over time. */
export interface DirectedPath {
  /** Latest view; undefined until the agent lists the peer. */
  now?: PeerPath;
  /** Date.now() of the first poll that saw `direct`. */
  firstDirectAt?: number;
  /** Date.now() of the latest change of path kind. */
  changedAt: number;
  /** Path kind changes seen (down → relay counts too). */
  changes: number;
}

/**
 * Polls every node's agent over its admin socket (AgentAdmin ListPeers) and keeps, per (node,
 * peer), the latest path, when it first went direct and how often it changed. Reads that fail
 * (agent starting or restarting) leave the previous view in place.
 */
export class PathWatch {
  private readonly readers: Map<string, ReturnType<typeof peerPathReader>>;
  private readonly views = new Map<string, DirectedPath>();
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    lab: Lab,
    readonly nodes: readonly string[],
    private readonly intervalMs = 200,
  ) {
    this.readers = new Map(nodes.map((n) => [n, peerPathReader(lab.host(n))]));
  }

  /** Starts polling in the background. */
  start(): this {
    this.loop = (async () => {
      while (!this.stopped) {
        const t0 = Date.now();
        await this.pollOnce();
        await sleep(Math.max(0, this.intervalMs - (Date.now() - t0)));
      }
    })();
    return this;
  }

  /** Stops polling and closes every channel. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    for (const r of this.readers.values()) r.close();
  }

  /** `from`'s view of `to`. */
  view(from: string, to: string): DirectedPath {
    const key = `${from}>${to}`;
    let v = this.views.get(key);
    if (!v) this.views.set(key, (v = { changedAt: Date.now(), changes: 0 }));
    return v;
  }

  /** Resolves with `check()`'s value once it is defined after a poll; rejects after `timeoutMs` with `describe()`. */
  async until<T>(what: string, timeoutMs: number, check: () => T | undefined, describe: () => string = () => ''): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${describe()}`);
      await sleep(this.intervalMs);
    }
  }

  private async pollOnce(): Promise<void> {
    await Promise.all(
      [...this.readers].map(async ([from, reader]) => {
        let peers: PeerPath[];
        try {
          peers = await reader.read(1000);
        } catch {
          return;
        }
        const at = Date.now();
        for (const p of peers) {
          const v = this.view(from, p.peer);
          if (v.now?.path !== p.path) {
            if (v.now) v.changes++;
            v.changedAt = at;
          }
          if (p.path === 'direct' && v.firstDirectAt === undefined) v.firstDirectAt = at;
          v.now = p;
        }
      }),
    );
  }
}
