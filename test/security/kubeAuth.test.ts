import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubeAuthorizer } from '../../functions/query/kubeAuth.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { API, seedPipelineRuns, type Run } from '../helpers/ce.js';
import { startFakeKube, type FakeKube } from '../../devtools/fakeKube/server.js';

const GROUP = 'results.tekton.dev';
const ALICE = 'alice-token-reads-team-a'; // get/list results and records in team-a
const BOB = 'bob-token-reads-cluster-wide'; // list/get results and records everywhere
const CAROL = 'carol-token-reads-team-b-and-c'; // team-b and team-c, and may delete in team-c
const DAVE = 'dave-token-results-only'; // results but not records, in team-a
const NOBODY = 'token-the-api-server-refuses';

let kube: FakeKube;
let srv: TestServer;
let dir: string;
let savedKubeconfig: string | undefined;
const runs: Record<string, Run> = {};

function allow(user: string, namespace: string | undefined, verbs: string[], resources = ['results', 'records']): void {
  for (const verb of verbs) for (const resource of resources) kube.allow(user, { verb, group: GROUP, resource, namespace });
}

async function call(token: string | undefined, p: string, method = 'GET') {
  const res = await fetch(`${srv.url}${API}${p}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as any };
}

const parentsOf = (items: { name: string }[]) => [...new Set(items.map((r) => r.name.split('/')[0]))].sort();

beforeAll(async () => {
  kube = await startFakeKube();
  kube.addUser(ALICE, { username: 'alice', groups: ['dev'] });
  kube.addUser(BOB, { username: 'bob' });
  kube.addUser(CAROL, { username: 'carol' });
  kube.addUser(DAVE, { username: 'dave' });
  allow('alice', 'team-a', ['get', 'list']);
  allow('bob', undefined, ['get', 'list']);
  allow('carol', 'team-b', ['get', 'list']);
  allow('carol', 'team-c', ['get', 'list', 'delete']);
  allow('dave', 'team-a', ['get', 'list'], ['results']);

  // The query function finds its API server the way it would outside a cluster: KUBECONFIG.
  dir = await mkdtemp(path.join(tmpdir(), 'kubeauth-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfig);
  savedKubeconfig = process.env['KUBECONFIG'];
  process.env['KUBECONFIG'] = kubeconfig;
  srv = await startTestServer({ QUERY_AUTH_MODE: 'kubernetes' });

  const seeded = await seedPipelineRuns(srv.url, ['team-a', 'team-b', 'team-c', 'team-d']);
  for (const [ns, { pr }] of Object.entries(seeded)) runs[ns] = pr;
});

afterAll(async () => {
  if (savedKubeconfig === undefined) delete process.env['KUBECONFIG'];
  else process.env['KUBECONFIG'] = savedKubeconfig;
  await srv?.close();
  await kube?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('kubernetes query authorisation over the query API', () => {
  it('answers 401 problem+json without a token and for a token the TokenReview does not authenticate', async () => {
    for (const token of [undefined, NOBODY]) {
      const res = await call(token, '/team-a/results');
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(res.body).toMatchObject({ status: 401, code: 16 });
    }
  });

  it('lets a user read the namespace a SubjectAccessReview allows, 403 elsewhere, 404 only for what is readable and missing', async () => {
    expect((await call(ALICE, '/team-a/results')).status).toBe(200);
    expect((await call(ALICE, `/team-a/results/${runs['team-a']!.uid}`)).status).toBe(200);
    expect((await call(ALICE, `/team-a/results/${runs['team-a']!.uid}/records`)).status).toBe(200);
    const refused = await call(ALICE, '/team-b/results');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ status: 403, code: 7 });
    expect(refused.body.detail).toContain('alice');
    expect((await call(ALICE, `/team-b/results/${runs['team-b']!.uid}`)).status).toBe(403);
    expect((await call(ALICE, '/team-a/results/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await call(ALICE, '/team-b/results/00000000-0000-4000-8000-000000000000')).status).toBe(403);
  });

  it('checks results and records as separate resources, as Tekton Results RBAC does', async () => {
    expect((await call(DAVE, '/team-a/results')).status).toBe(200);
    expect((await call(DAVE, `/team-a/results/${runs['team-a']!.uid}/records`)).status).toBe(403);
    expect((await call(DAVE, '/-/results/-/records')).body.records).toEqual([]);
  });

  it('shows a namespaced user only the namespaces it may read under "-", for results and records', async () => {
    const results = await call(CAROL, '/-/results');
    expect(results.status).toBe(200);
    expect(parentsOf(results.body.results)).toEqual(['team-b', 'team-c']);
    const records = await call(ALICE, '/-/results/-/records');
    expect(parentsOf(records.body.records)).toEqual(['team-a']);
    const other = await call(ALICE, `/-/results/${runs['team-b']!.uid}/records`);
    expect(other.body.records).toEqual([]);
  });

  it('shows a user allowed cluster-wide every namespace under "-"', async () => {
    const res = await call(BOB, '/-/results');
    expect(parentsOf(res.body.results)).toEqual(['team-a', 'team-b', 'team-c', 'team-d']);
  });

  it('needs the delete verb to delete a result', async () => {
    expect((await call(BOB, `/team-c/results/${runs['team-c']!.uid}`, 'DELETE')).status).toBe(403);
    expect((await call(CAROL, `/team-c/results/${runs['team-c']!.uid}`, 'DELETE')).status).toBe(200);
    expect((await call(CAROL, `/team-c/results/${runs['team-c']!.uid}`)).status).toBe(404);
    expect((await call(CAROL, `/team-b/results/${runs['team-b']!.uid}`, 'DELETE')).status).toBe(403);
  });

  it('asks the API server once per token and decision, not on every request', async () => {
    const token = 'a-fresh-token-for-counting';
    kube.addUser(token, { username: 'erin' });
    allow('erin', 'team-a', ['get', 'list']);
    const before = kube.reviewCount();
    for (let i = 0; i < 10; i++) expect((await call(token, '/team-a/results')).status).toBe(200);
    const after = kube.reviewCount();
    expect(after.tokenReviews - before.tokenReviews).toBe(1);
    expect(after.subjectAccessReviews - before.subjectAccessReviews).toBe(1);
    // A refused namespace is remembered too.
    for (let i = 0; i < 5; i++) expect((await call(token, '/team-b/results')).status).toBe(403);
    const refused = kube.reviewCount();
    expect(refused.tokenReviews - after.tokenReviews).toBe(0);
    expect(refused.subjectAccessReviews - after.subjectAccessReviews).toBe(1);
  });

  it.each([503, 429, 500])('answers 503 with Retry-After while the API server answers %i, and does not remember it', async (failure) => {
    const token = `a-token-reviewed-during-an-outage-${failure}`;
    kube.addUser(token, { username: 'frank' });
    allow('frank', 'team-a', ['list']);
    kube.failRequests(1, failure);
    const down = await call(token, '/team-a/results');
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('2');
    expect(down.headers.get('content-type')).toBe('application/problem+json');
    expect((await call(token, '/team-a/results')).status).toBe(200);
  });
});

describe('KubeAuthorizer decision cache', () => {
  let now = 0;
  const parents = async () => ['team-a', 'team-b', 'team-c', 'team-d'];
  const make = (cacheSeconds: number) =>
    new KubeAuthorizer({ kubeConfig: kube.kubeConfig(), parents, cacheSeconds, cacheMax: 100, now: () => now });

  beforeEach(() => {
    now = 1_000_000;
  });

  it('reviews again once a decision is older than AUTH_CACHE_SECONDS', async () => {
    const auth = make(30);
    const c0 = kube.reviewCount();
    await auth.authorize({ token: ALICE, impersonate: undefined }, 'team-a', 'list', 'results');
    now += 29_000;
    await auth.authorize({ token: ALICE, impersonate: undefined }, 'team-a', 'list', 'results');
    const c1 = kube.reviewCount();
    expect(c1.tokenReviews - c0.tokenReviews).toBe(1);
    now += 2_000;
    await auth.authorize({ token: ALICE, impersonate: undefined }, 'team-a', 'list', 'results');
    const c2 = kube.reviewCount();
    expect(c2.tokenReviews - c1.tokenReviews).toBe(1);
    expect(c2.subjectAccessReviews - c1.subjectAccessReviews).toBe(1);
  });

  it('reviews every call when caching is off', async () => {
    const auth = make(0);
    const c0 = kube.reviewCount();
    for (let i = 0; i < 3; i++) await auth.authorize({ token: ALICE, impersonate: undefined }, 'team-a', 'get', 'records');
    const c1 = kube.reviewCount();
    expect(c1.tokenReviews - c0.tokenReviews).toBe(3);
    expect(c1.subjectAccessReviews - c0.subjectAccessReviews).toBe(3);
  });

  it('shares one review among concurrent calls with the same token', async () => {
    const auth = make(30);
    const c0 = kube.reviewCount();
    const scopes = await Promise.all(Array.from({ length: 20 }, () => auth.authorize({ token: CAROL, impersonate: undefined }, '-', 'list', 'results')));
    expect(scopes[0]).toEqual({ all: false, namespaces: ['team-b', 'team-c'] });
    const c1 = kube.reviewCount();
    expect(c1.tokenReviews - c0.tokenReviews).toBe(1);
    // One cluster-wide review, then one per namespace that holds data.
    expect(c1.subjectAccessReviews - c0.subjectAccessReviews).toBe(1 + 4);
  });

  it('answers 503 rather than hang when the API server accepts the connection and never replies', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'silent', server: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'service-account-token' }],
      contexts: [{ name: 'silent', cluster: 'silent', user: 'u' }],
      currentContext: 'silent',
    });
    const auth = new KubeAuthorizer({ kubeConfig: kc, parents, cacheSeconds: 30, cacheMax: 10, timeoutMs: 200 });
    try {
      await expect(auth.authorize({ token: ALICE, impersonate: undefined }, 'team-a', 'get', 'results')).rejects.toMatchObject({ status: 503, headers: { 'retry-after': '2' } });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('keeps no raw token in its cache keys', async () => {
    const auth = make(30);
    await auth.authorize({ token: ALICE, impersonate: undefined }, 'team-a', 'get', 'results');
    await expect(auth.authorize({ token: NOBODY, impersonate: undefined }, 'team-a', 'get', 'results')).rejects.toMatchObject({ status: 401 });
    const internals = auth as unknown as Record<string, { entries: Map<string, unknown> }>;
    const keys = [...internals['identities']!.entries.keys(), ...internals['decisions']!.entries.keys()].join(' ');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys).not.toContain(ALICE);
    expect(keys).not.toContain(NOBODY);
  });
});
