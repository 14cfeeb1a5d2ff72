/**
 * The fake API server's GET, PATCH, TokenReview and SubjectAccessReview through client-node's
 * typed clients, and the shape of the fixtures.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { startFakeKube, type FakeKube } from '../../devtools/fakeKube/server.js';
import { coreEvent, eventV1, pipelineRun, pod, repeat, taskRun } from '../../devtools/fakeKube/fixtures.js';

let kube: FakeKube;
beforeEach(async () => {
  kube = await startFakeKube();
});
afterEach(async () => {
  await kube.close();
});

type Run = KubernetesObject & { metadata: { annotations?: Record<string, string>; resourceVersion: string }; status?: Record<string, unknown> };
const ANNOTATION = 'results.tekton.dev/eventlist';
const target = (name: string) => ({ group: 'tekton.dev', version: 'v1', namespace: 'ci', plural: 'pipelineruns', name });
const patchRequests = () => kube.requests.filter((r) => r.method === 'PATCH');

describe('the fake API server: GET and PATCH', () => {
  it('applies a merge patch from CustomObjectsApi when the merge-patch content type is set, with a new resourceVersion and a MODIFIED event', async () => {
    const pr = kube.create('pipelineruns', pipelineRun('ci', 'patch-me'));
    const modified: Run[] = [];
    const w = await new Watch(kube.kubeConfig()).watch('/apis/tekton.dev/v1/pipelineruns', { resourceVersion: String(pr.metadata['resourceVersion']) }, (type, o: Run) => type === 'MODIFIED' && modified.push(o), () => undefined);
    const api = kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const body = { metadata: { annotations: { [ANNOTATION]: 'ci/results/r/records/e' } } };
    const answered = (await api.patchNamespacedCustomObject({ ...target('patch-me'), body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))) as Run;
    expect(patchRequests()).toMatchObject([{ path: '/apis/tekton.dev/v1/namespaces/ci/pipelineruns/patch-me', contentType: 'application/merge-patch+json', body }]);
    const stored = kube.get<Run>('pipelineruns', 'ci', 'patch-me')!;
    expect(stored.metadata.annotations).toEqual({ [ANNOTATION]: 'ci/results/r/records/e' });
    expect(Number(stored.metadata.resourceVersion)).toBeGreaterThan(Number(pr.metadata['resourceVersion']));
    expect(answered).toEqual(stored);
    await new Promise((r) => setTimeout(r, 50));
    expect(modified.map((o) => o.metadata.resourceVersion)).toEqual([stored.metadata.resourceVersion]);
    w.abort();
  });

  it('receives a JSON Patch from client-node by default, and refuses a merge-shaped body sent that way with 400', async () => {
    kube.create('taskruns', taskRun('ci', 'tr'));
    const api = kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const t = { ...target('tr'), plural: 'taskruns' };
    await api.patchNamespacedCustomObject({ ...t, body: [{ op: 'add', path: `/metadata/annotations/${ANNOTATION.replace('/', '~1')}`, value: 'x' }] });
    expect(patchRequests()[0]!.contentType).toBe('application/json-patch+json');
    expect(kube.get<Run>('taskruns', 'ci', 'tr')!.metadata.annotations).toEqual({ [ANNOTATION]: 'x' });
    await expect(api.patchNamespacedCustomObject({ ...t, body: { metadata: { annotations: { a: 'b' } } } })).rejects.toMatchObject({ code: 400 });
    // A JSON Patch that does not apply (no such path) is unprocessable.
    await expect(api.patchNamespacedCustomObject({ ...t, body: [{ op: 'replace', path: '/metadata/labels/nope', value: 'x' }] })).rejects.toMatchObject({ code: 422 });
  });

  it('answers 415 with a Status to strategic merge and apply patches of a custom resource', async () => {
    kube.create('pipelineruns', pipelineRun('ci', 'p'));
    for (const type of ['application/strategic-merge-patch+json', 'application/apply-patch+yaml', 'application/json']) {
      const res = await fetch(`${kube.url}/apis/tekton.dev/v1/namespaces/ci/pipelineruns/p`, { method: 'PATCH', headers: { 'content-type': type }, body: '{}' });
      expect(res.status).toBe(415);
      expect(await res.json()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'UnsupportedMediaType', code: 415 });
    }
  });

  it('writes nothing for a patch that changes nothing, as the API server skips no-op updates', async () => {
    const pr = kube.create('pipelineruns', pipelineRun('ci', 'same'));
    const api = kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await api.patchNamespacedCustomObject({ ...target('same'), body: { metadata: { annotations: { [ANNOTATION]: 'x' } } } }, merge);
    const once = kube.resourceVersion();
    await api.patchNamespacedCustomObject({ ...target('same'), body: { metadata: { annotations: { [ANNOTATION]: 'x' } } } }, merge);
    expect(kube.resourceVersion()).toBe(once);
    expect(Number(once)).toBe(Number(pr.metadata['resourceVersion']) + 1);
  });

  it('treats a resourceVersion in the patch as a precondition (409 Conflict), and leaves status to the status subresource', async () => {
    const pr = kube.create('pipelineruns', pipelineRun('ci', 'guarded'));
    const api = kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const rv = String(pr.metadata['resourceVersion']);
    kube.update('pipelineruns', pr);
    const stale = api.patchNamespacedCustomObject({ ...target('guarded'), body: { metadata: { resourceVersion: rv, annotations: { a: 'b' } } } }, merge);
    await expect(stale).rejects.toMatchObject({ code: 409 });
    await api.patchNamespacedCustomObject({ ...target('guarded'), body: { metadata: { labels: { x: 'y' } }, status: { conditions: [] } } }, merge);
    const after = kube.get<Run & { metadata: { labels: Record<string, string> } }>('pipelineruns', 'ci', 'guarded')!;
    expect(after.metadata.labels['x']).toBe('y');
    expect(after.status).toEqual(pr['status']);
  });

  it('GETs objects with the typed clients and answers a missing one with a 404 Status', async () => {
    const tr = kube.create('taskruns', taskRun('ci', 'build', { retries: 1 }));
    kube.create('pods', pod('ci', 'build-pod-retry1', tr));
    const core = kube.kubeConfig().makeApiClient(CoreV1Api);
    const p = await core.readNamespacedPod({ name: 'build-pod-retry1', namespace: 'ci' });
    expect(p.metadata?.labels?.['tekton.dev/taskRun']).toBe('build');
    const custom = kube.kubeConfig().makeApiClient(CustomObjectsApi);
    expect(await custom.getNamespacedCustomObject({ ...target('build'), plural: 'taskruns' })).toEqual(kube.get('taskruns', 'ci', 'build'));
    await expect(core.readNamespacedPod({ name: 'build-pod', namespace: 'ci' })).rejects.toMatchObject({ code: 404 });
    const res = await fetch(`${kube.url}/apis/tekton.dev/v1/namespaces/ci/taskruns/gone`);
    expect(await res.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'taskruns.tekton.dev "gone" not found',
      reason: 'NotFound',
      details: { name: 'gone', group: 'tekton.dev', kind: 'taskruns' },
      code: 404,
    });
  });

  it('writes a kubeconfig that client-node loads and uses against the plain-HTTP server', async () => {
    const file = path.join(tmpdir(), `fakekube-${process.pid}-${Date.now()}.yaml`);
    await kube.writeKubeconfig(file);
    try {
      expect(await readFile(file, 'utf8')).toContain('insecure-skip-tls-verify: true');
      const kc = new KubeConfig();
      kc.loadFromFile(file);
      kube.create('pods', pod('ci', 'x-pod', { taskRun: 'x' }));
      const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'ci' });
      expect(pods.items.map((p) => p.metadata?.name)).toEqual(['x-pod']);
    } finally {
      await rm(file, { force: true });
    }
  });
});

describe('the fake API server: TokenReview and SubjectAccessReview', () => {
  it('authenticates the tokens given to addUser and nothing else', async () => {
    kube.addUser('alice-token', { username: 'alice', groups: ['devs'] });
    const api = kube.kubeConfig().makeApiClient(AuthenticationV1Api);
    const ok = await api.createTokenReview({ body: { spec: { token: 'alice-token', audiences: ['results'] } } });
    expect(ok.status).toEqual({ authenticated: true, user: { username: 'alice', groups: ['devs', 'system:authenticated'] }, audiences: ['results'] });
    const bad = await api.createTokenReview({ body: { spec: { token: 'mallory-token' } } });
    expect(bad.status?.authenticated).toBe(false);
    expect(kube.reviewCount()).toEqual({ tokenReviews: 2, subjectAccessReviews: 0 });
  });

  it('allows exactly what allow() granted: verb, group, resource and namespace, cluster-wide when no namespace', async () => {
    kube.allow('alice', { verb: 'list', group: 'results.tekton.dev', resource: 'results', namespace: 'ci' });
    kube.allow('bob', { verb: 'get', group: 'results.tekton.dev', resource: 'records' });
    kube.allow('devs', { verb: '*', group: 'results.tekton.dev', resource: 'results', namespace: 'dev' });
    const api = kube.kubeConfig().makeApiClient(AuthorizationV1Api);
    const allowed = async (user: string, verb: string, resource: string, namespace?: string, groups?: string[]) =>
      (await api.createSubjectAccessReview({ body: { spec: { user, groups, resourceAttributes: { group: 'results.tekton.dev', verb, resource, namespace } } } })).status?.allowed;
    expect(await allowed('alice', 'list', 'results', 'ci')).toBe(true);
    expect(await allowed('alice', 'list', 'results', 'prod')).toBe(false);
    expect(await allowed('alice', 'get', 'results', 'ci')).toBe(false);
    expect(await allowed('alice', 'list', 'records', 'ci')).toBe(false);
    expect(await allowed('alice', 'list', 'results')).toBe(false);
    expect(await allowed('bob', 'get', 'records', 'anywhere')).toBe(true);
    expect(await allowed('bob', 'get', 'records')).toBe(true);
    expect(await allowed('carol', 'delete', 'results', 'dev', ['devs'])).toBe(true);
    expect(await allowed('carol', 'delete', 'results', 'ci', ['devs'])).toBe(false);
    expect(kube.reviewCount().subjectAccessReviews).toBe(9);
  });

  it('counts no review for a request answered by an injected failure', async () => {
    kube.addUser('t', { username: 'u' });
    kube.failRequests(1, 503);
    const api = kube.kubeConfig().makeApiClient(AuthenticationV1Api);
    await expect(api.createTokenReview({ body: { spec: { token: 't' } } })).rejects.toMatchObject({ code: 503 });
    expect((await api.createTokenReview({ body: { spec: { token: 't' } } })).status?.authenticated).toBe(true);
    expect(kube.reviewCount().tokenReviews).toBe(1);
  });
});

describe('fixtures', () => {
  it('shape Tekton objects and Events as a cluster does: labels, owners, Event names, series of one uid', () => {
    const pr = kube.create('pipelineruns', pipelineRun('ci', 'build-and-deploy-x7k2p'));
    const tr = kube.create('taskruns', taskRun('ci', 'build-and-deploy-x7k2p-build', { pipelineRun: pr, pipelineTask: 'build' }));
    const p = kube.create('pods', pod('ci', 'build-and-deploy-x7k2p-build-pod', tr));
    expect(p.metadata['labels']).toMatchObject({
      'tekton.dev/taskRun': 'build-and-deploy-x7k2p-build',
      'tekton.dev/pipelineRun': 'build-and-deploy-x7k2p',
      'tekton.dev/pipelineTask': 'build',
      'tekton.dev/task': 'build',
      'app.kubernetes.io/managed-by': 'tekton-pipelines',
    });
    expect(p.metadata['ownerReferences']).toMatchObject([{ kind: 'TaskRun', name: 'build-and-deploy-x7k2p-build', uid: tr.metadata['uid'], controller: true }]);
    expect(tr.metadata['ownerReferences']).toMatchObject([{ kind: 'PipelineRun', name: 'build-and-deploy-x7k2p', uid: pr.metadata['uid'] }]);
    const backOff = kube.create('events', eventV1(p, 'BackOff', 'Back-off restarting failed container step-build', { type: 'Warning' }));
    expect(backOff.metadata['name']).toMatch(/^build-and-deploy-x7k2p-build-pod\.[0-9a-f]{16}$/);
    expect(backOff).toMatchObject({ regarding: { kind: 'Pod', uid: p.metadata['uid'] }, reportingController: 'kubelet', type: 'Warning' });
    const fifth = kube.update('events', repeat(backOff, 5));
    expect(fifth).toMatchObject({ metadata: { uid: backOff.metadata['uid'], name: backOff.metadata['name'] }, series: { count: 5 } });
    expect(Number(fifth.metadata['resourceVersion'])).toBeGreaterThan(Number(backOff.metadata['resourceVersion']));
    const pulling = kube.create('coreevents', coreEvent(p, 'Pulling', 'Pulling image "alpine"'));
    expect(kube.update('coreevents', repeat(pulling, 3))).toMatchObject({ count: 3, involvedObject: { name: 'build-and-deploy-x7k2p-build-pod' } });
    expect(kube.get('events', 'ci', String(pulling.metadata['name']))).toMatchObject({ deprecatedCount: 3, note: 'Pulling image "alpine"' });
  });
});
