/**
 * The one place a Kubernetes client configuration is made. Everything that talks to an API
 * server gets its KubeConfig here (or, in tests, one made with `loadFromOptions` for a local
 * fake server), so there is one rule for where the credentials come from:
 *   1. an explicit kubeconfig path (a flag), else `KUBECONFIG`;
 *   2. in a pod (`KUBERNETES_SERVICE_HOST` set): the service account;
 *   3. otherwise the default kubeconfig (`~/.kube/config`).
 */
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export function loadKubeConfig(
  opts: { kubeconfig?: string | undefined } = {},
  env: Record<string, string | undefined> = process.env,
): KubeConfig {
  const kc = new KubeConfig();
  const files = (opts.kubeconfig ?? env['KUBECONFIG'] ?? '').split(path.delimiter).filter((f) => f !== '');
  if (files.length > 0) {
    // KUBECONFIG may list several files; merged as kubectl does, the first one's context wins.
    kc.loadFromFile(files[0]!);
    for (const file of files.slice(1)) {
      const more = new KubeConfig();
      more.loadFromFile(file);
      kc.mergeConfig(more, true);
    }
  } else if (env['KUBERNETES_SERVICE_HOST']) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  if (!kc.getCurrentCluster()) throw new Error('no Kubernetes cluster is configured (kubeconfig has no current cluster)');
  return kc;
}
