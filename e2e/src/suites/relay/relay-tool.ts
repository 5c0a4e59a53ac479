// Agent-side relay proxy for lab tests and benches, run inside a node namespace:
//   node -r tsx/cjs relay-tool.ts proxy <relay host> <control port> <data port> <private key b64> <wg port> <peer key b64>...
// Holds a relay session with the replica, opens one loopback proxy endpoint per peer and prints
// "endpoint <peer key b64> 127.0.0.1:<port>" for each, then "present <peer key b64>" as each peer
// shows up on the relay. Runs until killed.
import { RelayClient, RelayProxy, DEFAULT_RELAY_CLIENT_TUNING, staticReplicas } from '@wirekube/relay-client';
import { publicKeyOf } from '@wirekube/relay-core';
import { cryptoRng, systemClock, type Logger } from '@wirekube/util';

const log = (msg: string, fields?: object) => console.error(JSON.stringify({ msg, ...fields }));
const logger: Logger = { debug() {}, info: log, warn: log, error: log, child: () => logger };

async function proxy(args: string[]): Promise<void> {
  const [host, controlPort, dataPort, privB64, wgPort, ...peers] = args;
  const privateKey = Buffer.from(privB64!, 'base64');
  const peerKeys = peers.map((p) => Buffer.from(p, 'base64'));
  const client = new RelayClient({
    ...DEFAULT_RELAY_CLIENT_TUNING,
    backoff: { initialMs: 100, maxMs: 1000 },
    identity: { privateKey, publicKey: publicKeyOf(privateKey), nodeName: `lab-${process.pid}`, presenceFilter: () => peerKeys },
    replicas: staticReplicas([{ host: host!, controlPort: Number(controlPort), dataPort: Number(dataPort) }]),
    clock: systemClock,
    rng: cryptoRng,
    logger,
  });
  const relayProxy = new RelayProxy({ transport: client, wgHost: '127.0.0.1', wgPort: Number(wgPort), logger });
  for (const k of peerKeys) {
    const ep = await relayProxy.addPeer(k);
    console.log(`endpoint ${k.toString('base64')} ${ep.ip}:${ep.port}`);
  }
  const announced = new Set<string>();
  client.onChange(() => {
    for (const k of peerKeys) {
      const b64 = k.toString('base64');
      const here = client.reachable(k);
      if (here && !announced.has(b64)) console.log(`present ${b64}`);
      if (here) announced.add(b64);
      else announced.delete(b64);
    }
  });
  client.start();
  const stop = () => {
    relayProxy.close();
    client.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'proxy') void proxy(rest);
else {
  console.error(`usage: relay-tool.ts proxy <host> <control port> <data port> <private key b64> <wg port> <peer key b64>...`);
  process.exit(2);
}
