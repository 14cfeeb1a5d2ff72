import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../shared/kubeConfig.js';

let dir: string;

function kubeconfig(name: string, server: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: ${name}, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
    `users: [{name: ${name}-user, user: {token: ${name}-token}}]`,
    `contexts: [{name: ${name}, context: {cluster: ${name}, user: ${name}-user}}]`,
    `current-context: ${name}`,
    '',
  ].join('\n');
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kubeconfig-'));
  await writeFile(path.join(dir, 'a'), kubeconfig('a', 'http://127.0.0.1:1001'));
  await writeFile(path.join(dir, 'b'), kubeconfig('b', 'http://127.0.0.1:1002'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadKubeConfig, the one Kubernetes client configuration factory', () => {
  it('prefers an explicit path over KUBECONFIG', () => {
    const kc = loadKubeConfig({ kubeconfig: path.join(dir, 'b') }, { KUBECONFIG: path.join(dir, 'a') });
    expect(kc.getCurrentCluster()?.server).toBe('http://127.0.0.1:1002');
  });

  it('merges a KUBECONFIG list, the first file choosing the context, even inside a pod', () => {
    const env = { KUBECONFIG: [path.join(dir, 'a'), path.join(dir, 'b')].join(path.delimiter), KUBERNETES_SERVICE_HOST: '10.0.0.1' };
    const kc = loadKubeConfig({}, env);
    expect(kc.getCurrentCluster()?.server).toBe('http://127.0.0.1:1001');
    expect(kc.getClusters().map((c) => c.name).sort()).toEqual(['a', 'b']);
  });

  it('uses the service account in a pod when no kubeconfig is given', () => {
    const kc = loadKubeConfig({}, { KUBERNETES_SERVICE_HOST: process.env['KUBERNETES_SERVICE_HOST'] ?? '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' });
    expect(kc.getCurrentCluster()?.name).toBe('inCluster');
  });

  it('fails with a clear error for a kubeconfig that does not exist', () => {
    expect(() => loadKubeConfig({ kubeconfig: path.join(dir, 'missing') }, {})).toThrow(/the kubeconfig .*missing \(--kubeconfig\/KUBECONFIG\) does not exist/);
  });
});
