import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { hostname } from 'node:os';
import { isIPv6 } from 'node:net';
import { StunServer, openDgramPort, type UdpPort } from '@wirekube/nat';
import { RelayControlService, type Endpoint } from '@wirekube/proto';
import { GrpcServer, runService, splitHostPort } from '@wirekube/runtime';
import { cryptoRng, systemClock } from '@wirekube/util';
import { loadOrCreateKey } from '@wirekube/wg';
import { relayProgram } from './config';
import { registerRelayMetrics } from './relay-metrics';
import { DEFAULT_RELAY_OPTIONS, RelayServer } from './relay-server';

runService({
  ...relayProgram,
  service: 'relay',
  metricsAddress: '0.0.0.0:9473',
  async main({ logger, tracer, config, metrics, onShutdown, setReady }) {
    const keys = await loadOrCreateKey(config.keyFile);
    const probeSockets = config.probeAddress
      ? { altPort: await bindUdp(config.probeAddress), ...(config.probeAltIpAddress && { altIp: await bindUdp(config.probeAltIpAddress) }) }
      : undefined;
    onShutdown(() => {
      probeSockets?.altPort.close();
      probeSockets?.altIp?.close();
    });
    const stun = config.stunAddress ? await startStun(config.stunAddress) : undefined;
    if (stun) onShutdown(() => stun.close());
    const relay = new RelayServer(
      {
        ...DEFAULT_RELAY_OPTIONS,
        replicaId: config.replicaId || hostname(),
        privateKey: keys.privateKey.bytes(),
        queue: { maxItems: config.queueFrames, maxBytes: config.queueBytes },
        forwarding: { ...DEFAULT_RELAY_OPTIONS.forwarding, maxQueuedBytes: config.maxQueuedBytes },
        handshake: { maxPending: config.maxPendingHandshakes, maxPendingPerIp: Math.max(4, config.maxPendingHandshakes >> 4) },
        handshakeTimeoutMs: config.handshakeTimeout,
        data: { ...DEFAULT_RELAY_OPTIONS.data, registerTimeoutMs: config.handshakeTimeout },
        stun: stun?.advertised ?? [],
      },
      { clock: systemClock, rng: cryptoRng, logger, probeSockets },
    );
    registerRelayMetrics(metrics, relay);
    const grpc = new GrpcServer({ logger, tracer });
    grpc.addService('wirekube.v1.RelayControl', RelayControlService, relay.control);
    const controlPort = await grpc.listen(config.controlAddress);
    const [dataHost, dataPortWanted] = splitHostPort(config.dataAddress);
    const dataPort = await relay.listenData(dataHost, dataPortWanted);
    onShutdown(async () => {
      // Health turns NOT_SERVING at once while traffic keeps flowing for the drain period; then the
      // sessions (long-lived streams) are ended so the gRPC server can stop without its grace timeout.
      const stopped = grpc.shutdown({ drainMs: config.shutdownDrain, graceMs: config.shutdownGrace });
      await new Promise((r) => setTimeout(r, config.shutdownDrain));
      await relay.close();
      await stopped;
    });
    setReady(true);
    logger.info('relay serving', {
      replicaId: relay.stats().replicaId,
      publicKey: relay.publicKey.toString('base64'),
      controlPort,
      dataPort,
      probe: probeSockets ? probeSockets.altPort.address() : null,
      stun: stun?.advertised ?? [],
    });
  },
});

function bindUdp(address: string): Promise<UdpSocket> {
  const [host, port] = splitHostPort(address);
  const sock = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, host, () => {
      sock.off('error', reject);
      sock.on('error', () => undefined);
      resolve(sock);
    });
  });
}

/** The embedded STUN server from libs/nat on `address` and the next port (RFC 5780 alternate port). */
async function startStun(address: string): Promise<{ advertised: Endpoint[]; close(): Promise<void> }> {
  const [ip, port] = splitHostPort(address);
  const primary = await openDgramPort({ ip, port });
  const altPort: UdpPort = await openDgramPort({ ip, port: port === 0 ? 0 : port + 1 });
  const server = new StunServer({ sockets: { primary, altPort }, software: 'wirekube-relay' });
  server.start();
  const concrete = ip !== '0.0.0.0' && ip !== '::';
  return {
    advertised: concrete ? [{ ip: primary.local.ip, port: primary.local.port }] : [],
    async close() {
      server.stop();
      await primary.close();
      await altPort.close();
    },
  };
}
