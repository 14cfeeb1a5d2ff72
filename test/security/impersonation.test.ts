/**
 * Impersonation headers, as Tekton Results and the Kubernetes API server honour them: a proxy
 * with wide permissions acting for a user gets that user's permissions, never its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerOf } from '../../shared/http/caller.js';
import { impersonationChecks } from '../../functions/query/kubeAuth.js';
import { startTestServer, QUERY_TOKEN, type TestServer } from '../helpers/server.js';
import { API, seedPipelineRuns } from '../helpers/ce.js';
import { startFakeKube, type FakeKube } from '../../devtools/fakeKube/server.js';

const GROUP = 'results.tekton.dev';
const PROXY = 'proxy-token-reads-everything-and-impersonates';
const WIDE = 'wide-token-reads-everything-cannot-impersonate';

let kube: FakeKube;
let srv: TestServer;
let staticSrv: TestServer;
let dir: string;
let savedKubeconfig: string | undefined;

async function call(server: TestServer, token: string, p: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${API}${p}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json()) as any };
}
const parentsOf = (items: { name: string }[]) => [...new Set(items.map((r) => r.name.split('/')[0]))].sort();

beforeAll(async () => {
  kube = await startFakeKube();
  kube.addUser(PROXY, { username: 'proxy' });
  kube.addUser(WIDE, { username: 'wide' });
  for (const user of ['proxy', 'wide']) for (const verb of ['get', 'list']) for (const resource of ['results', 'records']) kube.allow(user, { verb, group: GROUP, resource });
  kube.allow('proxy', { verb: 'impersonate', group: '', resource: 'users' });
  kube.allow('proxy', { verb: 'impersonate', group: '', resource: 'groups' });
  kube.allow('proxy', { verb: 'impersonate', group: '', resource: 'serviceaccounts' });
  // alice reads team-a; the group "team-b-readers" reads team-b; a service account reads team-c.
  kube.allow('alice', { verb: 'list', group: GROUP, resource: 'results', namespace: 'team-a' });
  kube.allow('team-b-readers', { verb: 'list', group: GROUP, resource: 'results', namespace: 'team-b' });
  kube.allow('system:serviceaccount:team-c:viewer', { verb: 'list', group: GROUP, resource: 'results', namespace: 'team-c' });

  dir = await mkdtemp(path.join(tmpdir(), 'impersonation-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfig);
  savedKubeconfig = process.env['KUBECONFIG'];
  process.env['KUBECONFIG'] = kubeconfig;
  srv = await startTestServer({ QUERY_AUTH_MODE: 'kubernetes' });
  staticSrv = await startTestServer();
  await seedPipelineRuns(srv.url, ['team-a', 'team-b', 'team-c']);
});

afterAll(async () => {
  if (savedKubeconfig === undefined) delete process.env['KUBECONFIG'];
  else process.env['KUBECONFIG'] = savedKubeconfig;
  await srv?.close();
  await staticSrv?.close();
  await kube?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('impersonation in kubernetes mode', () => {
  it('gives a proxy acting for a user that user’s namespaces, not its own', async () => {
    expect(parentsOf((await call(srv, PROXY, '/-/results')).body.results)).toEqual(['team-a', 'team-b', 'team-c']);
    const asAlice = await call(srv, PROXY, '/-/results', { 'impersonate-user': 'alice' });
    expect(asAlice.status).toBe(200);
    expect(parentsOf(asAlice.body.results)).toEqual(['team-a']);
    expect((await call(srv, PROXY, '/team-b/results', { 'impersonate-user': 'alice' })).status).toBe(403);
  });

  it('keeps decisions for different impersonated identities apart (cached by both)', async () => {
    const asGroup = await call(srv, PROXY, '/-/results', { 'impersonate-user': 'bob', 'impersonate-group': 'team-b-readers' });
    expect(parentsOf(asGroup.body.results)).toEqual(['team-b']);
    const asAlice = await call(srv, PROXY, '/-/results', { 'impersonate-user': 'alice' });
    expect(parentsOf(asAlice.body.results)).toEqual(['team-a']);
  });

  it('checks a service account as the API server does (serviceaccounts, its groups)', async () => {
    const res = await call(srv, PROXY, '/team-c/results', { 'impersonate-user': 'system:serviceaccount:team-c:viewer' });
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(1);
  });

  it('answers 403 naming what a token may not impersonate', async () => {
    const res = await call(srv, WIDE, '/team-a/results', { 'impersonate-user': 'alice' });
    expect(res.status).toBe(403);
    expect(res.body.detail).toContain('may not impersonate users "alice"');
    // uids are not allowed for the proxy either
    const uid = await call(srv, PROXY, '/team-a/results', { 'impersonate-user': 'alice', 'impersonate-uid': 'u-1' });
    expect(uid.status).toBe(403);
    expect(uid.body.detail).toContain('uids');
  });

  it('refuses groups without a user, as Kubernetes does', async () => {
    const res = await call(srv, PROXY, '/team-a/results', { 'impersonate-group': 'team-b-readers' });
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('Impersonate-User is required');
  });
});

describe('impersonation in static mode', () => {
  it('answers 403 when impersonation is asked for with a static token', async () => {
    expect((await call(staticSrv, QUERY_TOKEN, '/-/results')).status).toBe(200);
    const res = await call(staticSrv, QUERY_TOKEN, '/-/results', { 'impersonate-user': 'alice' });
    expect(res.status).toBe(403);
    expect(res.body.detail).toContain('static');
  });
});

describe('callerOf and the checks an impersonation needs', () => {
  const req = (headers: Record<string, string>) => ({ method: 'GET', path: '/', query: new URLSearchParams(), headers, body: Buffer.alloc(0) });

  it('reads repeated groups, a uid and percent-encoded extra keys', () => {
    const c = callerOf(
      req({ authorization: 'Bearer t', 'impersonate-user': 'alice', 'impersonate-group': 'a, b', 'impersonate-uid': 'u', 'impersonate-extra-scopes%2fx': 'v1, v2' }),
    );
    expect(c).toEqual({ token: 't', impersonate: { user: 'alice', groups: ['a', 'b'], uid: 'u', extra: { 'scopes/x': ['v1', 'v2'] } } });
    expect(impersonationChecks(c.impersonate!).map((a) => `${a.group}/${a.resource}${a.subresource ? '/' + a.subresource : ''}:${a.name}`)).toEqual([
      '/users:alice',
      '/groups:a',
      '/groups:b',
      'authentication.k8s.io/uids:u',
      'authentication.k8s.io/userextras/scopes/x:v1',
      'authentication.k8s.io/userextras/scopes/x:v2',
    ]);
  });

  it('bounds what one request may ask to impersonate and refuses unknown impersonation headers', () => {
    const groups = Array.from({ length: 20 }, (_, i) => `g${i}`).join(', ');
    expect(() => callerOf(req({ 'impersonate-user': 'alice', 'impersonate-group': groups }))).toThrow(/too much/);
    expect(() => callerOf(req({ 'impersonate-user': 'alice', 'impersonate-nonsense': 'x' }))).toThrow(/unknown impersonation header/);
    expect(callerOf(req({ authorization: 'Bearer t' }))).toEqual({ token: 't', impersonate: undefined });
  });
});
