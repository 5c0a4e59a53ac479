import { runService } from '@wirekube/runtime';
import { gatewayControllerProgram } from './config';

runService({
  ...gatewayControllerProgram,
  service: 'gateway-controller',
  metricsAddress: '0.0.0.0:9474',
  async main({ logger, config }) {
    logger.info('gateway controller configured', { grpcAddress: config.grpcAddress });
    throw new Error('gateway reconciliation is not part of this build yet');
  },
});
