/**
 * Client configuration for the fake API server. client-node refuses a plain http:// server
 * unless the cluster entry skips TLS verification, so both forms set it.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

/** Sent as the bearer token; the fake accepts any (or none). */
export const FAKE_TOKEN = 'fake-admin-token';

export function kubeConfigFor(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
    users: [{ name: 'fake', token: FAKE_TOKEN }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return kc;
}

/** The same as a kubeconfig file, for a process started with --kubeconfig or KUBECONFIG. */
export function kubeconfigYaml(url: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'fake', user: { token: FAKE_TOKEN } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
    'current-context': 'fake',
  });
}
