import type { ClientDuplexStream } from '@grpc/grpc-js';
import { computeProof, RELAY_PROTOCOL_VERSION } from '@wirekube/relay-core';
import type { ClientMessage, Presence, PunchAnswer, PunchOffer, RelayControlClient, ServerMessage, SessionOpened } from '@wirekube/proto';
import { errorMessage, type Clock } from '@wirekube/util';
import { RelayClientError } from './errors';

/** Who we are on the control channel. */
export interface ControlIdentity {
  /** Raw 32-byte X25519 private and public key: the node's WireGuard key pair. */
  privateKey: Buffer;
  publicKey: Buffer;
  nodeName: string;
  /** Limits presence to these raw public keys (read at each session open); all peers when absent. */
  presenceFilter?: () => Uint8Array[];
}

/** Callbacks of an open control session. */
export interface ControlHandlers {
  presence(p: Presence): void;
  punchOffer(o: PunchOffer): void;
  punchAnswer(a: PunchAnswer): void;
  /** The session ended (relay error, replaced, stream failure or local close). */
  closed(err: RelayClientError): void;
}

/**
 * An authenticated RelayControl.Session: proves possession of the node's key (Hello → Challenge →
 * Proof) and then relays presence and punch traffic to the handlers.
 */
export class ControlSession {
  private ended: RelayClientError | undefined;

  private constructor(
    private readonly call: ClientDuplexStream<ClientMessage, ServerMessage>,
    /** What the relay said when it accepted us (token, observed address, replica id, STUN). */
    readonly opened: SessionOpened,
    private readonly handlers: ControlHandlers,
  ) {}

  /**
   * Opens a session on `client`; rejects with RelayClientError carrying the relay's code
   * ("auth-failed", "too-many-handshakes", ...) or "timeout" after `timeoutMs`.
   */
  static open(client: RelayControlClient, id: ControlIdentity, handlers: ControlHandlers, clock: Clock, timeoutMs: number): Promise<ControlSession> {
    return new Promise((resolve, reject) => {
      const call = client.session();
      let session: ControlSession | undefined;
      let early: RelayClientError | undefined;
      const finish = (err: RelayClientError) => {
        clock.clearTimeout(timer);
        if (session) return session.end(err);
        if (early) return;
        early = err;
        call.cancel();
        reject(err);
      };
      const timer = clock.setTimeout(() => finish(new RelayClientError('timeout', `relay session not opened within ${timeoutMs}ms`)), timeoutMs);
      call.on('data', (m: ServerMessage) => {
        const msg = m.msg;
        switch (msg?.$case) {
          case 'challenge': {
            let mac: Buffer;
            try {
              mac = computeProof(id.privateKey, msg.challenge.relayPublicKey, msg.challenge.nonce);
            } catch (err) {
              return finish(new RelayClientError('bad-challenge', errorMessage(err), { cause: err }));
            }
            call.write({ msg: { $case: 'proof', proof: { mac } } });
            return;
          }
          case 'opened':
            clock.clearTimeout(timer);
            session = new ControlSession(call, msg.opened, handlers);
            return resolve(session);
          case 'presence':
            return session && handlers.presence(msg.presence);
          case 'punchOffer':
            return session && handlers.punchOffer(msg.punchOffer);
          case 'punchAnswer':
            return session && handlers.punchAnswer(msg.punchAnswer);
          case 'error':
            return finish(new RelayClientError(msg.error.code, `relay: ${msg.error.message}`));
        }
      });
      call.on('error', (err: Error) => finish(new RelayClientError('stream-failed', `relay control stream: ${err.message}`, { cause: err })));
      call.on('end', () => finish(new RelayClientError('closed', 'relay ended the control session')));
      call.write({ msg: { $case: 'hello', hello: { publicKey: id.publicKey, nodeName: id.nodeName, version: RELAY_PROTOCOL_VERSION, presenceFilter: (id.presenceFilter?.() ?? []).map((k) => Buffer.from(k)) } } });
    });
  }

  /** Why the session ended, once it has. */
  get closed(): RelayClientError | undefined {
    return this.ended;
  }

  /** Sends a message (punch request/answer); ignored after the session ended. */
  send(msg: ClientMessage): void {
    if (!this.ended) this.call.write(msg);
  }

  /** Ends the session (the `closed` handler sees "closed"); idempotent. */
  close(): void {
    this.end(new RelayClientError('closed', 'closed locally'));
  }

  private end(err: RelayClientError): void {
    if (this.ended) return;
    this.ended = err;
    this.call.cancel();
    this.handlers.closed(err);
  }
}
