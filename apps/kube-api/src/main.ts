// wirekube-kube-api: runs the Kubernetes API TEST DOUBLE from @wirekube/kube-api as a process,
// writes a kubeconfig for it and prints that path on stdout (logs go to stderr as JSON).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wireKubeCrds } from '@wirekube/k8s';
import { KubeApiServer } from '@wirekube/kube-api';
import { runService, splitHostPort } from '@wirekube/runtime';
import { kubeApiProgram } from './config';

runService({
  ...kubeApiProgram,
  service: 'kube-api',
  metricsAddress: '',
  async main({ logger, config, onShutdown, setReady }) {
    const [host, port] = splitHostPort(config.listen);
    const server = new KubeApiServer({
      host,
      port,
      logger,
      historyLimit: config.historyLimit,
      bookmarkIntervalMs: config.bookmarkInterval,
      ...(config.dataFile && { persistPath: config.dataFile }),
    });
    await server.start();
    onShutdown(() => server.stop());
    if (config.installCrds) {
      for (const crd of wireKubeCrds) {
        const res = await fetch(`${server.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, {
          method: 'POST',
          body: JSON.stringify(crd),
          headers: { 'content-type': 'application/json' },
        });
        // 409: already there (restored from the data file).
        if (res.status !== 201 && res.status !== 409) throw new Error(`installing ${crd.metadata.name}: HTTP ${res.status} ${await res.text()}`);
      }
    }
    const kubeconfig = server.writeKubeconfig(config.kubeconfig || join(tmpdir(), `wirekube-kube-api-${new URL(server.url).port}.kubeconfig`));
    setReady(true);
    logger.info('serving the Kubernetes API test double', { url: server.url, kubeconfig, dataFile: config.dataFile || null });
    process.stdout.write(`${kubeconfig}\n`);
  },
});
