/**
 * Test helpers for code built on @wirekube/k8s: an in-process Kubernetes API TEST DOUBLE
 * (@wirekube/kube-api) with the WireKube CRDs installed, and a client-node KubeConfig for it.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApiServer, type KubeApiServerOptions } from '@wirekube/kube-api';
import { wireKubeCrds } from '../crd/definitions';
import { wireKubeApis } from '../client/resource-api';

/** A running API test double with WireKube's CRDs, and clients for it. */
export interface TestCluster {
  server: KubeApiServer;
  kubeConfig: KubeConfig;
  apis: ReturnType<typeof wireKubeApis>;
  stop(): Promise<void>;
}

/** Starts the API test double on 127.0.0.1:0 and installs the WireKube CRDs through the API. */
export async function startTestCluster(opts: KubeApiServerOptions = {}): Promise<TestCluster> {
  const server = await new KubeApiServer(opts).start();
  for (const crd of wireKubeCrds) {
    const res = await fetch(`${server.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, {
      method: 'POST',
      body: JSON.stringify(crd),
      headers: { 'content-type': 'application/json' },
    });
    if (res.status !== 201 && res.status !== 409) throw new Error(`installing ${crd.metadata.name}: HTTP ${res.status} ${await res.text()}`);
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfig());
  return { server, kubeConfig, apis: wireKubeApis(kubeConfig), stop: () => server.stop() };
}
