// Child process of the kube-api scale benchmark: runs the API test double alone in its process
// so the clients' CPU does not count against it, and prints its URL on stdout.
import { KubeApiServer } from '@wirekube/kube-api';

void new KubeApiServer({ bookmarkIntervalMs: 60_000, historyLimit: 100_000 }).start().then((s) => {
  process.stdout.write(`${s.url}\n`);
  process.on('SIGTERM', () => void s.stop().then(() => process.exit(0)));
});
