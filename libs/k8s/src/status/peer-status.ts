/**
 * Two-speed WireKubePeer status, so a 1000-node mesh does not write (and every agent does not
 * receive) N² updates: the summary — connected, NAT type and behaviour, path counts, conditions —
 * is published as soon as it changes; fast-moving detail — the per-remote-peer `paths`, byte
 * counters and last handshake — is refreshed at most once per `detailIntervalMs`. Feed the
 * result to a {@link StatusWriter}: when only detail moved inside the interval, the composed
 * status equals what was last written and no API request happens at all.
 */
import type { Clock } from '@wirekube/util';
import type { PeerStatus } from '../crd/peer';

/** Status fields that are detail (bounded rate) rather than summary (published on change). */
export const PEER_STATUS_DETAIL_FIELDS = ['paths', 'pathsUpdatedAt', 'rxBytes', 'txBytes', 'lastHandshake'] as const;

type Detail = Pick<PeerStatus, (typeof PEER_STATUS_DETAIL_FIELDS)[number]>;

/** Default detail refresh: comfortably inside DESIGN §11's "≤ 1 write per node per 30 s". */
export const DEFAULT_PATH_DETAIL_INTERVAL_MS = 60_000;

/** Composes the status to publish from the status an agent would like to publish. */
export class PeerStatusComposer {
  private detail?: Detail;
  private detailAt = -Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly detailIntervalMs = DEFAULT_PATH_DETAIL_INTERVAL_MS,
  ) {}

  /**
   * Returns `desired` with its detail fields replaced by the last published detail unless the
   * interval has elapsed (then the new detail is taken and stamped in `pathsUpdatedAt`).
   */
  compose(desired: PeerStatus): PeerStatus {
    const now = this.clock.monotonic();
    if (this.detail === undefined || now - this.detailAt >= this.detailIntervalMs) {
      this.detailAt = now;
      this.detail = {};
      for (const f of PEER_STATUS_DETAIL_FIELDS) if (desired[f] !== undefined) Object.assign(this.detail, { [f]: desired[f] });
      if (desired.paths !== undefined) this.detail.pathsUpdatedAt = new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    const out: PeerStatus = { ...desired };
    for (const f of PEER_STATUS_DETAIL_FIELDS) delete out[f];
    return { ...out, ...this.detail };
  }
}
