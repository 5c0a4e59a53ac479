// Child process of the scale benchmark: the API test double alone in its process (so its CPU is
// measured apart from the clients'). Sends `{ url }` over IPC once listening, answers `stats`.
import { KubeApiServer } from '@wirekube/kube-api';
import type { ServerStats } from './fixtures';

async function main(): Promise<void> {
  // History deep enough that no watcher falls out of it during churn; bookmarks rare, as in a real cluster.
  const server = await new KubeApiServer({ bookmarkIntervalMs: 60_000, historyLimit: 200_000, maxWatchBufferBytes: 256 << 20 }).start();
  process.send?.({ type: 'url', url: server.url });
  process.on('message', (m: { type: string }) => {
    if (m.type !== 'stats') return;
    const cpu = process.cpuUsage();
    const r = server.requests;
    const stats: ServerStats = {
      ...r,
      events: server.watchEventsSent,
      openWatches: server.openWatches,
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssMb: process.memoryUsage().rss / 2 ** 20,
    };
    process.send?.({ type: 'stats', stats });
  });
  process.on('disconnect', () => void server.stop().then(() => process.exit(0)));
}

void main();
