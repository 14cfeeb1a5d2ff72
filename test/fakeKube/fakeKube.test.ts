/**
 * The fake API server against the real client-node: informers, 410 relists, faults, patches,
 * reviews. If these pass, the forwarder's tests exercise what a real cluster would do.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CoreV1Api,
  CustomObjectsApi,
  ListWatch,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type KubernetesObject,
  type KubernetesListObject,
} from '@kubernetes/client-node';
import { startFakeKube, type FakeKube } from './server.js';
import { coreEvent, eventV1, pipelineRun, pod, repeat, taskRun } from './fixtures.js';

let kube: FakeKube;
beforeEach(async () => {
  kube = await startFakeKube();
});
afterEach(async () => {
  await kube.close();
});

async function until<T>(fn: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function informer(path: string, labelSelector?: string, fieldSelector?: string) {
  const kc = kube.kubeConfig();
  const list = async (): Promise<KubernetesListObject<KubernetesObject>> => {
    const url = new URL(kube.url + path);
    if (labelSelector) url.searchParams.set('labelSelector', labelSelector);
    if (fieldSelector) url.searchParams.set('fieldSelector', fieldSelector);
    const res = await fetch(url);
    if (!res.ok) throw Object.assign(new Error(`list failed: ${res.status}`), { statusCode: res.status });
    return (await res.json()) as KubernetesListObject<KubernetesObject>;
  };
  const seen: { verb: string; name: string; rv: string }[] = [];
  const errors: unknown[] = [];
  const lw = new ListWatch(path, new Watch(kc), list, false, labelSelector, fieldSelector);
  for (const verb of ['add', 'update', 'delete'] as const) {
    lw.on(verb, (o: KubernetesObject) => seen.push({ verb, name: o.metadata!.name!, rv: o.metadata!.resourceVersion! }));
  }
  lw.on('error', (e: unknown) => errors.push(e));
  return { lw, seen, errors };
}

describe('fake Kubernetes API server', () => {
  it('feeds a real client-node informer: list, then ADDED, MODIFIED and DELETED from the watch', async () => {
    const pr = kube.create('pipelineruns', pipelineRun('ci', 'build-abcde'));
    const { lw, seen } = informer('/apis/tekton.dev/v1/pipelineruns');
    await lw.start();
    await until(() => seen.length === 1, 'the listed object');
    kube.update('pipelineruns', { ...pr, status: { conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed' }] } });
    kube.create('pipelineruns', pipelineRun('other', 'deploy-fghij'));
    kube.remove('pipelineruns', 'ci', 'build-abcde');
    await until(() => seen.length === 4, 'watch events');
    expect(seen.map((s) => `${s.verb} ${s.name}`)).toEqual(['add build-abcde', 'update build-abcde', 'add deploy-fghij', 'delete build-abcde']);
    expect(Number(seen[1]!.rv)).toBeGreaterThan(Number(seen[0]!.rv));
    await lw.stop();
  });

  it('filters by label and field selectors, in lists and watches', async () => {
    const pr = pipelineRun('ci', 'p-aaaaa');
    const tr = taskRun('ci', 'p-aaaaa-build', { pipelineRun: pr, pipelineTask: 'build' });
    kube.create('pods', pod('ci', 'p-aaaaa-build-pod', tr));
    kube.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unrelated', namespace: 'ci', labels: { app: 'x' } } });
    const { lw, seen } = informer('/api/v1/pods', 'tekton.dev/taskRun');
    await lw.start();
    await until(() => seen.length === 1, 'the Tekton pod');
    kube.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unrelated-2', namespace: 'ci' } });
    const ev = kube.create('events', eventV1(kube.get('pods', 'ci', 'p-aaaaa-build-pod')!, 'Scheduled', 'Successfully assigned'));
    const listed = (await (await fetch(`${kube.url}/apis/events.k8s.io/v1/events?fieldSelector=regarding.kind%3DPod`)).json()) as { items: unknown[] };
    expect(listed.items).toEqual([ev]);
    const none = (await (await fetch(`${kube.url}/apis/events.k8s.io/v1/events?fieldSelector=regarding.kind%3DTaskRun`)).json()) as { items: unknown[] };
    expect(none.items).toEqual([]);
    expect(seen.map((s) => s.name)).toEqual(['p-aaaaa-build-pod']);
    await lw.stop();
  });

  it('serves one Event in both API groups, and a repeat as a growing series', async () => {
    const tr = kube.create('taskruns', taskRun('ci', 'standalone'));
    const core = kube.create('coreevents', coreEvent(tr, 'Started', '', {}));
    const asV1 = kube.get<Record<string, unknown>>('events', 'ci', String((core as { metadata: { name: string } }).metadata.name))!;
    expect(asV1).toMatchObject({ apiVersion: 'events.k8s.io/v1', regarding: { kind: 'TaskRun', name: 'standalone' }, deprecatedCount: 1 });
    const v1 = kube.create('events', eventV1(tr, 'BackOff', 'Back-off restarting failed container', { type: 'Warning' }));
    kube.update('events', repeat(v1, 5));
    const asCore = kube.get<Record<string, unknown>>('coreevents', 'ci', String(v1.metadata['name']))!;
    expect(asCore).toMatchObject({ apiVersion: 'v1', involvedObject: { name: 'standalone' }, message: 'Back-off restarting failed container', series: { count: 5 } });
    expect(kube.get<{ metadata: { uid: string } }>('events', 'ci', String(v1.metadata['name']))!.metadata.uid).toBe(v1.metadata['uid']);
  });

  it('makes the informer relist after a 410 Gone, without an error', async () => {
    kube.create('taskruns', taskRun('ci', 'a'));
    const { lw, seen, errors } = informer('/apis/tekton.dev/v1/taskruns');
    await lw.start();
    await until(() => seen.length === 1, 'first list');
    const lists = () => kube.requests.filter((r) => r.path === '/apis/tekton.dev/v1/taskruns' && !r.query['watch']).length;
    expect(lists()).toBe(1);
    kube.expireWatches();
    kube.create('taskruns', taskRun('ci', 'b'));
    await until(() => lists() === 2 && seen.some((s) => s.name === 'b'), 'relist');
    expect(errors).toEqual([]);
    // A watch that asks for compacted history gets 410 as an ERROR event.
    const res = await fetch(`${kube.url}/apis/tekton.dev/v1/taskruns?watch=true&resourceVersion=1`);
    expect(JSON.parse((await res.text()).trim())).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    await lw.stop();
  });

  it('stops a client-node informer for good on a dropped connection or failed list, as a real server would', async () => {
    const { lw, errors } = informer('/api/v1/pods');
    await lw.start();
    await until(() => kube.requests.some((r) => r.query['watch'] === 'true'), 'the watch');
    kube.failRequests(1, 503);
    kube.dropWatches();
    await until(() => errors.length > 0, 'an informer error');
    await lw.stop();
  });

  it('replays history to a watch resuming from a resourceVersion and sends bookmarks when asked', async () => {
    const first = kube.create('taskruns', taskRun('ci', 'one'));
    kube.create('taskruns', taskRun('ci', 'two'));
    kube.bookmarks(true);
    const lines: { type: string; object: { metadata: { name?: string; resourceVersion: string } } }[] = [];
    const ctrl = await new Watch(kube.kubeConfig()).watch(
      '/apis/tekton.dev/v1/taskruns',
      { resourceVersion: String(first.metadata['resourceVersion']), allowWatchBookmarks: true },
      (type, object) => lines.push({ type, object }),
      () => undefined,
    );
    await until(() => lines.some((l) => l.type === 'BOOKMARK'), 'a bookmark');
    expect(lines[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'two' } } });
    ctrl.abort();
  });

  it('applies merge patches from client-node when told the content type, and refuses other patch types', async () => {
    const pr = kube.create('pipelineruns', pipelineRun('ci', 'patch-me'));
    const api = kube.kubeConfig().makeApiClient(CustomObjectsApi);
    await api.patchNamespacedCustomObject(
      { group: 'tekton.dev', version: 'v1', namespace: 'ci', plural: 'pipelineruns', name: 'patch-me', body: { metadata: { annotations: { 'results.tekton.dev/eventlist': 'ci/results/x/records/y' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const after = kube.get<{ metadata: { annotations: Record<string, string>; resourceVersion: string } }>('pipelineruns', 'ci', 'patch-me')!;
    expect(after.metadata.annotations).toEqual({ 'results.tekton.dev/eventlist': 'ci/results/x/records/y' });
    expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(Number(pr.metadata['resourceVersion']));
    const patch = kube.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.contentType).toBe('application/merge-patch+json');
    const strategic = await fetch(`${kube.url}/apis/tekton.dev/v1/namespaces/ci/pipelineruns/patch-me`, { method: 'PATCH', headers: { 'content-type': 'application/strategic-merge-patch+json' }, body: '{}' });
    expect(strategic.status).toBe(415);
    const core = kube.kubeConfig().makeApiClient(CoreV1Api);
    await expect(core.readNamespacedPod({ name: 'missing', namespace: 'ci' })).rejects.toMatchObject({ code: 404 });
  });

  it('answers TokenReview and SubjectAccessReview from its users and rules, and counts them', async () => {
    kube.addUser('alice-token', { username: 'alice', groups: ['devs'] });
    kube.allow('alice', { verb: 'list', group: 'results.tekton.dev', resource: 'results', namespace: 'ci' });
    const post = async (path: string, body: unknown) => (await fetch(kube.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<{ status: Record<string, unknown> }>;
    expect((await post('/apis/authentication.k8s.io/v1/tokenreviews', { spec: { token: 'alice-token' } })).status).toMatchObject({ authenticated: true, user: { username: 'alice' } });
    expect((await post('/apis/authentication.k8s.io/v1/tokenreviews', { spec: { token: 'nope' } })).status['authenticated']).toBe(false);
    const sar = (ns: string) => post('/apis/authorization.k8s.io/v1/subjectaccessreviews', { spec: { user: 'alice', resourceAttributes: { namespace: ns, verb: 'list', group: 'results.tekton.dev', resource: 'results' } } });
    expect((await sar('ci')).status['allowed']).toBe(true);
    expect((await sar('prod')).status['allowed']).toBe(false);
    expect(kube.reviewCount()).toEqual({ tokenReviews: 2, subjectAccessReviews: 2 });
  });
});
