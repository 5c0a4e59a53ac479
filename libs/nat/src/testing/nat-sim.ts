import type { Clock, Rng } from '@wirekube/util';
import { seededRng } from '@wirekube/util';
import { formatAddress, type TransportAddress } from '../net/address';
import type { DatagramHandler, UdpPort, UdpPortFactory } from '../net/udp-port';
import type { Dependence, PortAllocation } from '../nat/behaviour';

type Behaviour = Exclude<Dependence, 'none' | 'unknown'>;

/** How a simulated NAT behaves (RFC 4787 vocabulary). */
export interface SimNatOptions {
  publicIp: string;
  mapping: Behaviour;
  filtering: Behaviour;
  /** Default `preserving` (falls back to the next free port, like Linux MASQUERADE). */
  allocation?: Exclude<PortAllocation, 'unknown'>;
  /** Step of sequential allocation. Default 1. */
  delta?: number;
  /** Inclusive external port range. Default [1024, 65535]. */
  portRange?: [number, number];
  /** Idle time after which a mapping disappears; refreshed by outbound traffic. Default 30 s. */
  mappingTimeoutMs?: number;
  /** Loop packets sent to the NAT's own public IP back inside. Default false. */
  hairpinning?: boolean;
  /** Drop every outbound UDP datagram (a network where only TCP leaves). */
  blockUdp?: boolean;
}

interface Mapping {
  internal: TransportAddress;
  external: number;
  lastUsed: number;
  permitted: Set<string>;
}

/** One simulated NAT box: a mapping table with the configured behaviour. */
export class SimNat {
  readonly publicIp: string;
  private readonly byKey = new Map<string, Mapping>();
  private readonly byExternal = new Map<number, Mapping>();
  private last: number | undefined;

  constructor(
    readonly options: SimNatOptions,
    private readonly clock: Clock,
    private readonly rng: Rng,
  ) {
    this.publicIp = options.publicIp;
  }

  /** Translates an outbound datagram's source; returns the external port. */
  outbound(src: TransportAddress, dst: TransportAddress): number {
    const o = this.options;
    const key = `${formatAddress(src)}>${o.mapping === 'endpoint-independent' ? '*' : dst.ip}${o.mapping === 'address-and-port-dependent' ? `:${dst.port}` : ''}`;
    let m = this.live(this.byKey.get(key));
    if (!m) {
      m = { internal: src, external: this.allocate(src.port), lastUsed: 0, permitted: new Set() };
      this.byKey.set(key, m);
      this.byExternal.set(m.external, m);
    }
    m.lastUsed = this.clock.monotonic();
    m.permitted.add(this.filterKey(dst));
    return m.external;
  }

  /** The internal destination of an inbound datagram, or undefined when the NAT drops it. */
  inbound(from: TransportAddress, port: number): TransportAddress | undefined {
    const m = this.live(this.byExternal.get(port));
    if (!m) return undefined;
    if (this.options.filtering !== 'endpoint-independent' && !m.permitted.has(this.filterKey(from))) return undefined;
    return m.internal;
  }

  /** Forgets every mapping (a router reboot or a conntrack flush). */
  flush(): void {
    this.byKey.clear();
    this.byExternal.clear();
  }

  /** The live mappings as sorted text, one per line, for whole-snapshot assertions. */
  describe(): string {
    const lines: string[] = [];
    for (const [key, m] of this.byKey) if (this.live(m)) lines.push(`${key} = ${this.publicIp}:${m.external}`);
    return lines.sort().join('\n');
  }

  private filterKey(a: TransportAddress): string {
    return this.options.filtering === 'address-dependent' ? a.ip : formatAddress(a);
  }

  private live(m: Mapping | undefined): Mapping | undefined {
    if (!m) return undefined;
    if (this.clock.monotonic() - m.lastUsed <= (this.options.mappingTimeoutMs ?? 30_000)) return m;
    for (const [k, v] of this.byKey) if (v === m) this.byKey.delete(k);
    this.byExternal.delete(m.external);
    return undefined;
  }

  private free(port: number): boolean {
    return !this.live(this.byExternal.get(port));
  }

  private allocate(internalPort: number): number {
    const [min, max] = this.options.portRange ?? [1024, 65535];
    const size = max - min + 1;
    const wrap = (p: number) => min + ((((p - min) % size) + size) % size);
    const allocation = this.options.allocation ?? 'preserving';
    let port: number | undefined;
    if (allocation === 'preserving' && internalPort >= min && internalPort <= max && this.free(internalPort)) port = internalPort;
    else if (allocation === 'random') {
      for (let i = 0; i < 64 && port === undefined; i++) {
        const p = this.rng.int(min, max + 1);
        if (this.free(p)) port = p;
      }
    }
    if (port === undefined) {
      const delta = allocation === 'sequential' ? this.options.delta ?? 1 : 1;
      let p = this.last === undefined ? this.rng.int(min, max + 1) : wrap(this.last + delta);
      for (let i = 0; i < size && !this.free(p); i++) p = wrap(p + delta);
      port = p;
    }
    this.last = port;
    return port;
  }
}

/** Options of a simulated network. */
export interface SimNetworkOptions {
  clock: Clock;
  rng?: Rng;
  /** One-way delivery delay. Default 2 ms. */
  latencyMs?: number;
}

class SimPort implements UdpPort {
  readonly handlers = new Set<DatagramHandler>();
  closed = false;
  constructor(
    private readonly net: SimNetwork,
    readonly realm: SimNat | undefined,
    readonly local: TransportAddress,
  ) {}
  send(data: Uint8Array, to: TransportAddress): Promise<void> {
    if (this.closed) return Promise.reject(new Error('UDP port is closed'));
    this.net.route(this, Buffer.from(data), to);
    return Promise.resolve();
  }
  onMessage(handler: DatagramHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
  close(): Promise<void> {
    this.closed = true;
    this.net.unbind(this);
    return Promise.resolve();
  }
}

/**
 * An in-process internet: public hosts, NAT boxes with private hosts behind them, and datagrams
 * delivered after `latencyMs` on the injected clock. Deterministic with a seeded rng.
 */
export class SimNetwork {
  private readonly ports = new Map<string, SimPort>();
  private readonly nats: SimNat[] = [];
  private nextEphemeral = new Map<string, number>();
  /** Datagrams delivered / dropped (by a NAT, or for lack of a listener). */
  delivered = 0;
  dropped = 0;

  constructor(private readonly opts: SimNetworkOptions) {}

  /** Adds a NAT whose public IP lives on the public network. */
  addNat(options: SimNatOptions): SimNat {
    const nat = new SimNat(options, this.opts.clock, this.opts.rng ?? seededRng(this.nats.length + 1));
    this.nats.push(nat);
    return nat;
  }

  /** Binds a socket at `ip` (a private address when `behind` is given). Port 0 = ephemeral. */
  bind(ip: string, port = 0, behind?: SimNat): UdpPort {
    const realm = behind ? behind.publicIp : 'public';
    if (port === 0) {
      const k = `${realm}|${ip}`;
      port = this.nextEphemeral.get(k) ?? 40000;
      while (this.ports.has(`${realm}|${ip}:${port}`)) port++;
      this.nextEphemeral.set(k, port + 1);
    }
    const key = `${realm}|${ip}:${port}`;
    if (this.ports.has(key)) throw Object.assign(new Error(`address in use: ${ip}:${port}`), { code: 'EADDRINUSE' });
    const p = new SimPort(this, behind, { ip, port });
    this.ports.set(key, p);
    return p;
  }

  /** A factory binding ephemeral (or requested) ports at `ip`, behind `behind` when given. */
  factory(ip: string, behind?: SimNat): UdpPortFactory {
    return async (o) => this.bind(ip, o?.port ?? 0, behind);
  }

  /** @internal */
  unbind(p: SimPort): void {
    this.ports.delete(`${p.realm ? p.realm.publicIp : 'public'}|${formatAddress(p.local)}`);
  }

  /** @internal Routes one datagram from `src` towards `to`. */
  route(src: SimPort, data: Buffer, to: TransportAddress): void {
    const nat = src.realm;
    if (nat) {
      const local = this.ports.get(`${nat.publicIp}|${formatAddress(to)}`);
      if (local) return this.deliver(local, data, src.local);
      if (nat.options.blockUdp) return void this.dropped++;
      const from = { ip: nat.publicIp, port: nat.outbound(src.local, to) };
      if (to.ip === nat.publicIp && !nat.options.hairpinning) return void this.dropped++;
      return this.fromPublic(from, data, to);
    }
    this.fromPublic(src.local, data, to);
  }

  private fromPublic(from: TransportAddress, data: Buffer, to: TransportAddress): void {
    const nat = this.nats.find((n) => n.publicIp === to.ip);
    if (nat) {
      const inside = nat.inbound(from, to.port);
      const target = inside && this.ports.get(`${nat.publicIp}|${formatAddress(inside)}`);
      return target ? this.deliver(target, data, from) : void this.dropped++;
    }
    const target = this.ports.get(`public|${formatAddress(to)}`);
    if (!target) return void this.dropped++;
    this.deliver(target, data, from);
  }

  private deliver(target: SimPort, data: Buffer, from: TransportAddress): void {
    this.opts.clock.setTimeout(() => {
      if (target.closed) return void this.dropped++;
      this.delivered++;
      for (const h of target.handlers) h(data, from);
    }, this.opts.latencyMs ?? 2);
  }
}
