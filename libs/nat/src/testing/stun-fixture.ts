import { StunServer } from '../server/stun-server';
import type { SimNetwork } from './nat-sim';

/**
 * Starts an RFC 5780 STUN server on the simulated public network: IPs `ipA`/`ipB` × ports
 * `port`/`port + 1`. Returns the server (call `stop()`; the sim sockets die with the network).
 */
export function startSimStunServer(net: SimNetwork, ipA = '198.51.100.1', ipB = '198.51.100.2', port = 3478): StunServer {
  const server = new StunServer({
    sockets: { primary: net.bind(ipA, port), altPort: net.bind(ipA, port + 1), altIp: net.bind(ipB, port), altBoth: net.bind(ipB, port + 1) },
    software: 'wirekube-sim',
  });
  server.start();
  return server;
}
