/**
 * The one place a Kubernetes client configuration is made. Everything that talks to an API
 * server gets its KubeConfig here (or, in tests, one made with `loadFromOptions` for a local
 * fake server), so there is one rule for where the credentials come from:
 *   1. an explicit kubeconfig path (a flag), else `KUBECONFIG`;
 *   2. in a pod (`KUBERNETES_SERVICE_HOST` set): the service account;
 *   3. otherwise the default kubeconfig (`~/.kube/config`).
 * When none of them exists, it says so (a ConfigError, one line) instead of doing what
 * client-node's loadFromDefault does: fall back to http://localhost:8080, where every call then
 * fails with "HTTP protocol is not allowed when skipTLSVerify is not set", retried for ever.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from './config.js';

function loadFile(kc: KubeConfig, file: string, from: string): void {
  if (!existsSync(file)) throw new ConfigError(`the kubeconfig ${file} (${from}) does not exist`);
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new ConfigError(`the kubeconfig ${file} (${from}) cannot be read: ${(err as Error).message.split('\n')[0]}`);
  }
}

export function loadKubeConfig(
  opts: { kubeconfig?: string | undefined } = {},
  env: Record<string, string | undefined> = process.env,
): KubeConfig {
  const kc = new KubeConfig();
  const from = opts.kubeconfig !== undefined ? '--kubeconfig/KUBECONFIG' : 'KUBECONFIG';
  const files = (opts.kubeconfig ?? env['KUBECONFIG'] ?? '').split(path.delimiter).filter((f) => f !== '');
  if (files.length > 0) {
    // KUBECONFIG may list several files; merged as kubectl does, the first one's context wins.
    loadFile(kc, files[0]!, from);
    for (const file of files.slice(1)) {
      const more = new KubeConfig();
      loadFile(more, file, from);
      kc.mergeConfig(more, true);
    }
  } else if (env['KUBERNETES_SERVICE_HOST']) {
    kc.loadFromCluster();
  } else {
    const file = path.join(env['HOME'] || os.homedir(), '.kube', 'config');
    if (!existsSync(file)) {
      throw new ConfigError(`no Kubernetes configuration: no --kubeconfig, KUBECONFIG is unset, not in a pod, and ${file} does not exist`);
    }
    loadFile(kc, file, 'the default kubeconfig');
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ConfigError('no Kubernetes cluster is configured (the kubeconfig has no current context or cluster)');
  // client-node refuses plain HTTP on every call unless TLS verification is skipped: say it now, once.
  if (cluster.server.startsWith('http://') && !cluster.skipTLSVerify) {
    throw new ConfigError(`the cluster "${cluster.name}" is plain HTTP (${cluster.server}): client-node refuses it unless the cluster entry sets insecure-skip-tls-verify: true`);
  }
  return kc;
}
