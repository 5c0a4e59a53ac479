import { trace } from '@opentelemetry/api';
import { generateRawKeyPair } from '@wirekube/relay-core';
import { RelayControlService } from '@wirekube/proto';
import { GrpcServer } from '@wirekube/runtime';
import { RelayClient, DEFAULT_RELAY_CLIENT_TUNING, staticReplicas, type ReplicaAddress, type RelayClientOptions } from '@wirekube/relay-client';
import { cryptoRng, nullLogger, systemClock } from '@wirekube/util';
import { DEFAULT_RELAY_OPTIONS, RelayServer, type RelayDeps, type RelayOptions } from '../relay-server';

/** A relay replica on 127.0.0.1 with real TCP and gRPC listeners, for service tests. */
export interface TestRelay {
  server: RelayServer;
  grpc: GrpcServer;
  address: ReplicaAddress;
  close(): Promise<void>;
}

/** Starts a replica on ephemeral loopback ports; `overrides` replace default options field by field. */
export async function startTestRelay(overrides: Partial<RelayOptions> = {}, deps: Partial<RelayDeps> = {}): Promise<TestRelay> {
  const server = new RelayServer(
    { ...DEFAULT_RELAY_OPTIONS, replicaId: 'relay-0', privateKey: generateRawKeyPair().privateKey, ...overrides },
    { clock: systemClock, rng: cryptoRng, logger: nullLogger, ...deps },
  );
  const grpc = new GrpcServer({ logger: nullLogger, tracer: trace.getTracer('relay-test') });
  grpc.addService('wirekube.v1.RelayControl', RelayControlService, server.control);
  const controlPort = await grpc.listen('127.0.0.1:0');
  const dataPort = await server.listenData('127.0.0.1', 0);
  return {
    server,
    grpc,
    address: { host: '127.0.0.1', controlPort, dataPort },
    async close() {
      await server.close();
      await grpc.shutdown({ drainMs: 0, graceMs: 200 });
    },
  };
}

/** An agent-side relay client with a fresh key pair, connected to `replicas`. */
export function testAgent(name: string, replicas: ReplicaAddress[], overrides: Partial<RelayClientOptions> = {}) {
  const keys = generateRawKeyPair();
  const client = new RelayClient({
    ...DEFAULT_RELAY_CLIENT_TUNING,
    backoff: { initialMs: 50, maxMs: 500 },
    identity: { ...keys, nodeName: name },
    replicas: staticReplicas(replicas),
    clock: systemClock,
    rng: cryptoRng,
    logger: nullLogger,
    ...overrides,
  });
  client.start();
  return { name, keys, client };
}

/** Resolves once `cond()` holds, polling every 20 ms; rejects after `ms` naming `what`. */
export function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - start > ms) return reject(new Error(`timed out after ${ms}ms waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}
