// The Kubernetes API stand-in (the in-memory TEST DOUBLE from @wirekube/kube-api, not a real
// API server) as its own process, started inside the lab's `api` host by the agent suite.
// Usage: kube-api-tool.ts <port> <persist-file>. Persisting lets a restart model an API outage.
import { KubeApiServer } from '@wirekube/kube-api';

async function main(): Promise<void> {
  const [port, persistPath] = process.argv.slice(2);
  const server = await new KubeApiServer({ host: '0.0.0.0', port: Number(port), ...(persistPath && { persistPath }) }).start();
  process.stdout.write(`kube-api listening ${server.url} pid ${process.pid}\n`);
  const stop = () => void server.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main().catch((err: unknown) => {
  process.stderr.write(`kube-api-tool: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
