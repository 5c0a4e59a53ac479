import type { KeyObject } from 'node:crypto';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { KEY_BYTES, NONCE_BYTES, RELAY_PROTOCOL_VERSION, verifyProof } from '@wirekube/relay-core';
import type { ClientMessage, Endpoint, ServerMessage } from '@wirekube/proto';
import type { Clock, Logger, Rng } from '@wirekube/util';
import type { HandshakeLimiter } from './handshake-limiter';
import { PresenceFeed, type PresenceOptions } from './presence-feed';
import type { PunchBroker } from './punch-broker';
import type { RelayCounters } from './relay-stats';
import type { ControlPort, PeerEntry, SessionTable } from './session-table';
import { TokenBucket } from './token-bucket';

/** Most keys a session may name in Hello.presence_filter. */
export const MAX_PRESENCE_FILTER = 65_536;

/** Control-session settings. */
export interface ControlSessionOptions {
  replicaId: string;
  /** The relay's static X25519 private key (imported once) and raw public key. */
  relayPrivateKey: KeyObject;
  relayPublicKey: Buffer;
  /** Hello and Proof must both arrive within this many ms of the stream opening. */
  handshakeTimeoutMs: number;
  presence: PresenceOptions;
  /** Punch requests one session may send per second (and as a burst). */
  punchesPerSecond: number;
  /** STUN endpoints advertised in SessionOpened. */
  stun: Endpoint[];
}

/** Dependencies of a control session. */
export interface ControlSessionDeps {
  table: SessionTable;
  limiter: HandshakeLimiter;
  broker: PunchBroker;
  counters: RelayCounters;
  clock: Clock;
  rng: Rng;
  logger: Logger;
}

/**
 * Runs one RelayControl.Session stream: Hello → Challenge → Proof → SessionOpened (+ presence),
 * then punch traffic. A wrong proof ends only this stream ("auth-failed") and never touches an
 * existing session of the key; a correct one replaces it (agent restart). Streams that do not
 * finish the handshake in time, or arrive while too many handshakes are pending, are refused.
 */
export function runControlSession(call: ServerDuplexStream<ClientMessage, ServerMessage>, deps: ControlSessionDeps, opts: ControlSessionOptions): void {
  const { table, counters, clock, rng } = deps;
  const observed = parsePeer(call.getPeer());
  const log = deps.logger.child({ peer: `${observed.ip}:${observed.port}` });
  let ended = false;
  let entry: PeerEntry | undefined;
  let feed: PresenceFeed | undefined;
  let hello: { key: Buffer; nodeName: string; filter?: Set<string> } | undefined;
  let nonce: Buffer | undefined;
  const punches = new TokenBucket(clock, opts.punchesPerSecond, opts.punchesPerSecond * 2);

  const send = (msg: ServerMessage): boolean => {
    if (ended) return true;
    try {
      return call.write(msg);
    } catch {
      return true;
    }
  };
  const end = (code: string, message: string) => {
    if (ended) return;
    if (code) send({ msg: { $case: 'error', error: { code, message } } });
    ended = true;
    cleanup();
    try {
      call.end();
    } catch {
      // The stream is already gone.
    }
  };
  const control: ControlPort = { send: (m) => void send(m), close: end };

  const release = deps.limiter.acquire(observed.ip);
  if (!release) {
    counters.handshakeRejects++;
    end('too-many-handshakes', 'too many unauthenticated sessions');
    return;
  }
  const timer = clock.setTimeout(() => {
    counters.handshakeRejects++;
    end('handshake-timeout', `no valid Hello and Proof within ${opts.handshakeTimeoutMs}ms`);
  }, opts.handshakeTimeoutMs);

  const cleanup = () => {
    clock.clearTimeout(timer);
    release();
    feed?.stop();
    if (entry) table.close(entry);
  };

  const onMessage = (m: ClientMessage) => {
    const msg = m.msg;
    if (!entry) {
      if (msg?.$case === 'hello' && !hello) {
        const key = Buffer.from(msg.hello.publicKey);
        if (key.length !== KEY_BYTES) return end('bad-message', `public key must be ${KEY_BYTES} bytes`);
        if (msg.hello.version !== RELAY_PROTOCOL_VERSION) {
          return end('unsupported-version', `relay speaks version ${RELAY_PROTOCOL_VERSION}, got ${msg.hello.version}`);
        }
        if (msg.hello.presenceFilter.length > MAX_PRESENCE_FILTER) return end('bad-message', `presence filter longer than ${MAX_PRESENCE_FILTER} keys`);
        const filter = msg.hello.presenceFilter.length ? new Set(msg.hello.presenceFilter.map((k) => Buffer.from(k).toString('latin1'))) : undefined;
        hello = { key, nodeName: msg.hello.nodeName.slice(0, 253), filter };
        nonce = rng.bytes(NONCE_BYTES);
        send({ msg: { $case: 'challenge', challenge: { relayPublicKey: opts.relayPublicKey, nonce } } });
        return;
      }
      if (msg?.$case === 'proof' && hello && nonce) {
        if (!verifyProof(opts.relayPrivateKey, hello.key, nonce, Buffer.from(msg.proof.mac))) {
          counters.authFailures++;
          log.info('relay session refused: bad proof', { node: hello.nodeName });
          return end('auth-failed', 'proof of possession failed');
        }
        clock.clearTimeout(timer);
        release();
        const token = rng.bytes(KEY_BYTES);
        entry = table.open(hello.key, hello.nodeName, token, observed.ip, control);
        send({ msg: { $case: 'opened', opened: { token, observed, replicaId: opts.replicaId, stun: opts.stun } } });
        feed = new PresenceFeed(
          table,
          { write: (p) => send({ msg: { $case: 'presence', presence: p } }), onDrain: (fn) => call.once('drain', fn) },
          clock,
          opts.presence,
          hello.filter,
        );
        log.debug('relay session opened', { node: hello.nodeName });
        return;
      }
      return end('bad-message', `unexpected ${msg?.$case ?? 'empty message'} during the handshake`);
    }
    if (msg?.$case === 'punchRequest') {
      if (!punches.take()) {
        return control.send({
          msg: { $case: 'punchAnswer', punchAnswer: { peer: msg.punchRequest.to, punchId: msg.punchRequest.punchId, accept: false, candidates: [], nat: undefined, startAtMs: 0, reason: 'rate-limited' } },
        });
      }
      return deps.broker.request(entry, msg.punchRequest);
    }
    if (msg?.$case === 'punchAnswer') {
      deps.broker.answer(entry, msg.punchAnswer);
      return;
    }
    end('bad-message', `unexpected ${msg?.$case ?? 'empty message'} on an open session`);
  };

  call.on('data', onMessage);
  call.on('end', () => end('', ''));
  call.on('cancelled', () => {
    ended = true;
    cleanup();
  });
  call.on('error', () => {
    ended = true;
    cleanup();
  });
}

/** Parses grpc-js `getPeer()` text (`1.2.3.4:5`, `[::1]:5`, with an optional `ipv4:` scheme). */
export function parsePeer(peer: string): Endpoint {
  const s = peer.replace(/^ipv[46]:/, '');
  const i = s.lastIndexOf(':');
  const ip = s.slice(0, i).replace(/^\[|\]$/g, '').replace(/^::ffff:/, '');
  return { ip, port: Number(s.slice(i + 1)) || 0 };
}
