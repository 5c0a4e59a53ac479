// Child process of the scale benchmark: a sample of REAL agents (see real-agent.ts), each with its
// own client-node informers and connections, as separate nodes of the simulated mesh.
//   argv: <api url> <name>...   IPC out: { type: 'ready' } once all are up, then SeenMessage for
//   every peer key a device gains after `arm`; `{ type: 'counts' }` → per-agent device peers and
//   reconciles and status writes.
import { startRealAgent, type RealAgent } from './real-agent';
import type { SeenMessage } from './fixtures';

async function main(): Promise<void> {
  const [url, ...names] = process.argv.slice(2);
  let armed = false;
  const agents: RealAgent[] = await Promise.all(
    names.map((name) =>
      startRealAgent(url!, name, (key) => {
        if (armed) process.send?.({ type: 'seen', agent: name, key, atMs: Date.now() } satisfies SeenMessage);
      }),
    ),
  );
  process.send?.({ type: 'ready' });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'arm') armed = true;
    if (m.type === 'counts') {
      process.send?.({ type: 'counts', agents: agents.map((a) => ({ name: a.name, devicePeers: a.devicePeers(), reconciles: a.agent.reconciles, statusWrites: a.agent.statusWrites })) });
    }
  });
  process.on('disconnect', () => void Promise.all(agents.map((a) => a.close())).then(() => process.exit(0)));
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
