import { runService } from '@wirekube/runtime';
import { relayProgram } from './config';

runService({
  ...relayProgram,
  service: 'relay',
  metricsAddress: '0.0.0.0:9473',
  async main({ logger, config }) {
    logger.info('relay configured', { dataAddress: config.dataAddress, controlAddress: config.controlAddress });
    throw new Error('the relay service is not part of this build yet');
  },
});
