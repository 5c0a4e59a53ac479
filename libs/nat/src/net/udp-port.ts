import type { TransportAddress } from './address';

/** Receives one datagram. `data` is only valid during the call unless copied. */
export type DatagramHandler = (data: Buffer, from: TransportAddress) => void;

/**
 * One bound UDP socket: the narrow port every STUN, punch and spray component talks through.
 * Implemented over node:dgram ({@link openDgramPort}) and by the NAT simulator in
 * `@wirekube/nat/testing`.
 */
export interface UdpPort {
  /** The bound local address (the wildcard IP if bound to it). */
  readonly local: TransportAddress;
  /**
   * Sends one datagram. Resolves when handed to the OS; rejects with the OS error (EPERM from a
   * BPF hook, EHOSTUNREACH, ...) or when the port is closed. Losing the datagram is not an error.
   */
  send(data: Uint8Array, to: TransportAddress): Promise<void>;
  /** Registers a handler for every received datagram; returns a function that removes it. */
  onMessage(handler: DatagramHandler): () => void;
  /** Releases the socket. Idempotent. */
  close(): Promise<void>;
}

/** Where to bind a new port. Port 0 or absent picks an ephemeral one. */
export interface BindOptions {
  ip?: string;
  port?: number;
}

/** Opens new UDP ports; the sprayer and the discovery client take one to create extra sockets. */
export type UdpPortFactory = (opts?: BindOptions) => Promise<UdpPort>;
