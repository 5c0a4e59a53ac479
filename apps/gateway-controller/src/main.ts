import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { GatewayControlService } from '@wirekube/proto';
import { GrpcServer, runService } from '@wirekube/runtime';
import { cryptoRng, systemClock } from '@wirekube/util';
import { gatewayControllerProgram } from './config';
import { GatewayController } from './gateway-controller';
import { registerGatewayMetrics } from './gateway-metrics';

runService({
  ...gatewayControllerProgram,
  service: 'gateway-controller',
  metricsAddress: '0.0.0.0:9474',
  async main({ logger, tracer, metrics, config, setReady, onShutdown }) {
    const kc = new KubeConfig();
    if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
    else kc.loadFromCluster();
    const identity = config.identity || hostname();
    // Only the leader is ready, so a Service in front of the replicas routes agents to it.
    setReady(false, 'not the leader');
    const controller = new GatewayController({
      kubeConfig: kc,
      identity,
      leaseNamespace: config.leaseNamespace,
      clock: systemClock,
      rng: cryptoRng,
      logger,
      leaseDurationMs: config.leaseDuration,
      renewDeadlineMs: config.renewDeadline,
      retryPeriodMs: config.retryPeriod,
      statusMinIntervalMs: config.statusMinInterval,
      onLeading: (leading) => setReady(leading, leading ? undefined : 'not the leader'),
    });
    registerGatewayMetrics(metrics, controller);
    const grpc = new GrpcServer({ logger, tracer });
    grpc.addService('wirekube.v1.GatewayControl', GatewayControlService, controller.service.impl);
    const port = await grpc.listen(config.grpcAddress);
    logger.info('GatewayControl listening', { address: config.grpcAddress, port, identity });
    onShutdown(() => grpc.shutdown({ drainMs: config.drainTimeout, graceMs: 1_000 }));
    onShutdown(() => controller.stop());
    await controller.start();
  },
});
