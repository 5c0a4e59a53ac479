import type { LabHost, LabProcess } from '@wirekube/lab';

/** Packets per second of every flow (ping -i 0.1): one lost packet is 100 ms of outage. */
export const FLOW_PPS = 10;

/** What a flow saw between its first and last answered packet. */
export interface FlowStats {
  /** Echo requests from the first to the last answered one. */
  sent: number;
  /** Of those, unanswered. */
  lost: number;
  /** Longest run of consecutive unanswered requests, in ms (run × 1000 / pps). */
  outageMs: number;
}

/**
 * A 10 pps ICMP flow over the mesh (`ping -D -n -i 0.1` inside a lab node), read from its output as
 * it runs. Losses are counted by `icmp_seq` gaps, so a flow is judged only between its first and
 * last answered request: packets before the path existed or after `stop()` do not count.
 */
export class PingFlow {
  private readonly proc: LabProcess;

  constructor(host: LabHost, targetIp: string, name = 'flow') {
    this.proc = host.spawn(['ping', '-D', '-n', '-i', '0.1', '-W', '1', targetIp], { name: `ping-${name}` });
  }

  /** Sequence numbers answered so far, ascending. */
  answered(): number[] {
    const seqs = this.proc.output.flatMap((l) => {
      const m = /^out\|.* icmp_seq=(\d+) /.exec(l);
      return m ? [Number(m[1])] : [];
    });
    return [...new Set(seqs)].sort((a, b) => a - b);
  }

  /** Resolves once some request got an answer; rejects after `timeoutMs`. */
  async firstAnswer(timeoutMs: number): Promise<void> {
    await this.proc.waitForOutput(/icmp_seq=\d+ /, timeoutMs);
  }

  /**
   * Resolves true once traffic flows again after a break: the last 10 answered requests are
   * consecutive and come after `afterSeq` + 10. False after `timeoutMs` (the flow never recovered:
   * its outage is then longer than anything the answered numbers can show).
   */
  async resumed(afterSeq: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const a = this.answered().slice(-10);
      if (a.length === 10 && a[9]! - a[0]! === 9 && a[0]! > afterSeq + 10) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops the flow (kills ping) and returns its figures. */
  async stop(): Promise<FlowStats> {
    await this.proc.stop(500);
    return flowStats(this.answered());
  }
}

/** Loss and the longest outage from the answered sequence numbers of a flow. Pure. */
export function flowStats(answered: readonly number[]): FlowStats {
  if (answered.length === 0) return { sent: 0, lost: 0, outageMs: 0 };
  let longest = 0;
  for (let i = 1; i < answered.length; i++) longest = Math.max(longest, answered[i]! - answered[i - 1]! - 1);
  const sent = answered[answered.length - 1]! - answered[0]! + 1;
  return { sent, lost: sent - answered.length, outageMs: (longest * 1000) / FLOW_PPS };
}
