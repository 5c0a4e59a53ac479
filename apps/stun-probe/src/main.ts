import { cryptoRng, systemClock } from '@wirekube/util';
import { StunProbeService } from '@wirekube/proto';
import { GrpcServer, runService } from '@wirekube/runtime';
import { stunProbeProgram } from './config';
import { localIps, watchInterfaces } from './interface-watch';
import { probeMetrics, stunServerMetrics } from './metrics';
import { stunProbeService } from './probe-service';
import { probeNat } from './prober';
import { serveStun } from './serve';

runService({
  ...stunProbeProgram,
  service: 'stun-probe',
  metricsAddress: '127.0.0.1:9472',
  async main({ logger, config, positionals, metrics, tracer, setReady, onShutdown }) {
    const [command, ...extra] = positionals;
    if (extra.length || (command !== undefined && command !== 'serve')) {
      throw new Error(`unknown command "${positionals.join(' ')}"; expected nothing or "serve"`);
    }
    if (command === 'serve') {
      const stun = await serveStun({ ips: config.listenIps, port: config.stunPort, altPort: config.altPort, software: config.software, logger });
      stunServerMetrics(metrics, () => stun.server.stats);
      onShutdown(() => stun.close());
      setReady(true);
      return;
    }
    const grpc = new GrpcServer({ logger, tracer });
    grpc.addService('wirekube.v1.StunProbe', StunProbeService, {
      ...stunProbeService({
        probe: (p) => probeNat(p, { clock: systemClock, rng: cryptoRng, localAddresses: localIps }),
        defaults: { servers: config.stunServers, timeoutMs: config.probeTimeout, allocationSamples: config.allocationSamples, intervalMs: config.probeInterval },
        clock: systemClock,
        interfaceChanges: (onChange) => watchInterfaces({ clock: systemClock, pollMs: config.interfacePoll, onChange }),
        logger,
        metrics: probeMetrics(metrics),
        shuttingDown: grpc.shuttingDown,
      }),
    });
    const port = await grpc.listen(config.grpcAddress);
    onShutdown(() => grpc.shutdown({ drainMs: config.shutdownDrain, graceMs: config.shutdownGrace }));
    logger.info('StunProbe gRPC listening', { address: config.grpcAddress, port, servers: config.stunServers });
    setReady(true);
  },
});
