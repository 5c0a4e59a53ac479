import { runService } from '@wirekube/runtime';
import { agentProgram } from './config';

runService({
  ...agentProgram,
  service: 'agent',
  metricsAddress: '0.0.0.0:9470',
  async main({ logger, config }) {
    logger.info('agent configured', { nodeName: config.nodeName, mesh: config.meshName });
    throw new Error('joining the mesh is not part of this build yet');
  },
});
