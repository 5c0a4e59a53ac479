import { runService } from '@wirekube/runtime';
import { stunProbeProgram } from './config';

runService({
  ...stunProbeProgram,
  service: 'stun-probe',
  metricsAddress: '127.0.0.1:9472',
  async main({ logger, config }) {
    logger.info('stun-probe configured', { grpcAddress: config.grpcAddress });
    throw new Error('the stun-probe service is not part of this build yet');
  },
});
