/**
 * A minimal stand-in for the Kubernetes API server's TokenReview and SubjectAccessReview
 * endpoints, with the same test surface as test/fakeKube (addUser, allow, reviewCount,
 * failRequests, kubeConfig, writeKubeconfig). It lets the kubernetes-mode tests run whether or
 * not the full fake API server is present; RBAC semantics: a rule without a namespace is
 * cluster-wide and also allows every namespace, a namespaced rule allows only its namespace.
 */
import { createServer } from 'node:http';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface Rule {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
}

export interface AuthServer {
  url: string;
  kubeConfig(): KubeConfig;
  writeKubeconfig(path: string): Promise<void>;
  addUser(token: string, user: { username: string; groups?: string[] }): void;
  allow(username: string, rule: Rule): void;
  reviewCount(): { tokenReviews: number; subjectAccessReviews: number };
  failRequests(n: number, status?: number): void;
  close(): Promise<void>;
}

interface Sar {
  spec?: { user?: string; resourceAttributes?: { verb?: string; group?: string; resource?: string; namespace?: string } };
}

export async function startAuthServer(): Promise<AuthServer> {
  const users = new Map<string, { username: string; groups?: string[] }>();
  const rules = new Map<string, Rule[]>();
  const counts = { tokenReviews: 0, subjectAccessReviews: 0 };
  let failing = { n: 0, status: 503 };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (failing.n > 0) {
        failing.n--;
        send(failing.status, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: failing.status, reason: 'ServiceUnavailable' });
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      if (req.method === 'POST' && req.url?.startsWith('/apis/authentication.k8s.io/v1/tokenreviews')) {
        counts.tokenReviews++;
        const token = (body['spec'] as { token?: string } | undefined)?.token ?? '';
        const user = users.get(token);
        send(201, {
          ...body,
          status: user ? { authenticated: true, user: { username: user.username, uid: `uid-${user.username}`, groups: user.groups ?? [] } } : { authenticated: false, error: 'invalid bearer token' },
        });
        return;
      }
      if (req.method === 'POST' && req.url?.startsWith('/apis/authorization.k8s.io/v1/subjectaccessreviews')) {
        counts.subjectAccessReviews++;
        const spec = (body as Sar).spec ?? {};
        const a = spec.resourceAttributes ?? {};
        const allowed = (rules.get(spec.user ?? '') ?? []).some(
          (r) => r.verb === a.verb && r.group === a.group && r.resource === a.resource && (r.namespace === undefined || r.namespace === a.namespace),
        );
        send(201, { ...body, status: { allowed, ...(allowed ? {} : { reason: 'no RBAC rule' }) } });
        return;
      }
      send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const options = {
    clusters: [{ name: 'auth-stub', server: url, skipTLSVerify: true }],
    users: [{ name: 'query-function', token: 'service-account-token-of-the-query-function' }],
    contexts: [{ name: 'auth-stub', cluster: 'auth-stub', user: 'query-function' }],
    currentContext: 'auth-stub',
  };
  const kubeConfig = () => {
    const kc = new KubeConfig();
    kc.loadFromOptions(options);
    return kc;
  };
  return {
    url,
    kubeConfig,
    async writeKubeconfig(path) {
      await writeFile(path, kubeConfig().exportConfig());
    },
    addUser: (token, user) => void users.set(token, user),
    allow: (username, rule) => void rules.set(username, [...(rules.get(username) ?? []), rule]),
    reviewCount: () => ({ ...counts }),
    failRequests: (n, status = 503) => void (failing = { n, status }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
