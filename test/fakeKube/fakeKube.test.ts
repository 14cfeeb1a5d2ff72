/**
 * The fake API server against the real client-node 1.4 informers (makeInformer / ListWatch over
 * the typed list calls): list then watch, relist after 410, the errors that stop an informer,
 * selectors, paging, bookmarks. If these hold, the forwarder's tests see what a cluster does.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  ListWatch,
  Watch,
  makeInformer,
  type KubernetesListObject,
  type KubernetesObject,
  type ListPromise,
} from '@kubernetes/client-node';
import { startFakeKube, type FakeKube } from '../../devtools/fakeKube/server.js';
import { coreEvent, eventV1, pipelineRun, pod, taskRun } from '../../devtools/fakeKube/fixtures.js';
import { untilTrue } from '../helpers/until.js';

let kube: FakeKube;
beforeEach(async () => {
  kube = await startFakeKube();
});
afterEach(async () => {
  await kube.close();
});

const until = (ok: () => boolean, what: string, ms = 5000) => untilTrue(ok, what, ms, 10);

type Seen = { verb: string; name: string; rv: string };

/** Records what an informer reports; `errors` gets what its 'error' callbacks receive. */
function observe(inf: { on(verb: 'add' | 'update' | 'delete', cb: (o: KubernetesObject) => void): void; on(verb: 'error', cb: (e: unknown) => void): void }) {
  const seen: Seen[] = [];
  const errors: { statusCode?: number; code?: number | string; message?: string }[] = [];
  for (const verb of ['add', 'update', 'delete'] as const) inf.on(verb, (o) => seen.push({ verb, name: o.metadata!.name!, rv: o.metadata!.resourceVersion! }));
  inf.on('error', (e) => errors.push(e as (typeof errors)[number]));
  return { seen, errors };
}

const lists = (path: string) => kube.requests.filter((r) => r.path === path && r.query['watch'] === undefined).length;
const watchesOf = (path: string) => kube.requests.filter((r) => r.path === path && r.query['watch'] === 'true').length;

/** A ListWatch of all TaskRuns listing through CustomObjectsApi; `afterList` runs once each list has come back. */
function taskRunInformer(fieldSelector?: string, afterList: () => void = () => undefined) {
  const api = kube.kubeConfig().makeApiClient(CustomObjectsApi);
  const list = (async () => {
    const l = (await api.listClusterCustomObject({ group: 'tekton.dev', version: 'v1', plural: 'taskruns', fieldSelector })) as KubernetesListObject<KubernetesObject>;
    afterList();
    return l;
  }) as ListPromise<KubernetesObject>;
  const lw = new ListWatch('/apis/tekton.dev/v1/taskruns', new Watch(kube.kubeConfig()), list, false, undefined, fieldSelector);
  return { lw, ...observe(lw) };
}

/** client-node's ListWatch sends no timeoutSeconds; this asks for one, as long-running clients do. */
class ShortWatch extends Watch {
  override watch(...[path, query, callback, done]: Parameters<Watch['watch']>): ReturnType<Watch['watch']> {
    return super.watch(path, { ...query, timeoutSeconds: 1 }, callback, done);
  }
}

describe('the fake API server under client-node informers', () => {
  it('feeds makeInformer a list, then ADDED, MODIFIED and DELETED from the watch, with growing resourceVersions', async () => {
    const tr = taskRun('ci', 'build-abcde-fetch');
    kube.create('pods', pod('ci', 'build-abcde-fetch-pod', tr));
    const api = kube.kubeConfig().makeApiClient(CoreV1Api);
    const inf = makeInformer(kube.kubeConfig(), '/api/v1/pods', () => api.listPodForAllNamespaces());
    const { seen } = observe(inf);
    await inf.start();
    await until(() => seen.length === 1, 'the listed pod');
    const p = kube.get<KubernetesObject & { status: object }>('pods', 'ci', 'build-abcde-fetch-pod')!;
    kube.update('pods', { ...p, status: { phase: 'Running' } });
    kube.create('pods', pod('other', 'deploy-pod', taskRun('other', 'deploy')));
    kube.remove('pods', 'ci', 'build-abcde-fetch-pod');
    await until(() => seen.length === 4, 'three watch events');
    expect(seen.map((s) => `${s.verb} ${s.name}`)).toEqual(['add build-abcde-fetch-pod', 'update build-abcde-fetch-pod', 'add deploy-pod', 'delete build-abcde-fetch-pod']);
    const rvs = seen.map((s) => Number(s.rv));
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
    expect(new Set(rvs).size).toBe(4);
    expect(inf.list().map((o) => o.metadata!.name)).toEqual(['deploy-pod']);
    await inf.stop();
  });

  it('serves events.k8s.io/v1 and core/v1 Events, each view with its own field names, to the typed clients', async () => {
    const tr = kube.create('taskruns', taskRun('ci', 'standalone'));
    const p = kube.create('pods', pod('ci', 'standalone-pod', tr));
    kube.create('events', eventV1(p, 'Scheduled', 'Successfully assigned ci/standalone-pod to node-1', { controller: 'default-scheduler' }));
    kube.create('coreevents', coreEvent(tr, 'Started', ''));
    const v1 = await kube.kubeConfig().makeApiClient(EventsV1Api).listEventForAllNamespaces({ fieldSelector: 'regarding.kind=Pod' });
    expect(v1.items.map((e) => [e.reason, e.regarding?.name, e.note])).toEqual([['Scheduled', 'standalone-pod', 'Successfully assigned ci/standalone-pod to node-1']]);
    // The server sends strings; the typed list turns Time fields into Dates (watch events keep strings).
    expect(v1.items[0]!.metadata!.creationTimestamp).toBeInstanceOf(Date);
    // …but not MicroTime: typed as Date, eventTime arrives as the string sent.
    expect(v1.items[0]!.eventTime as unknown).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const core = await kube.kubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'ci', fieldSelector: 'involvedObject.kind=TaskRun' });
    expect(core.items.map((e) => [e.reason, e.involvedObject.name, e.count])).toEqual([['Started', 'standalone', 1]]);
    // Each API refuses the other's field names, as the real server does.
    await expect(kube.kubeConfig().makeApiClient(EventsV1Api).listEventForAllNamespaces({ fieldSelector: 'involvedObject.kind=Pod' })).rejects.toMatchObject({ code: 400 });
    const refused = await fetch(`${kube.url}/api/v1/events?fieldSelector=regarding.kind%3DPod`);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400, message: 'field label not supported: regarding.kind' });
  });

  it('filters lists and watches by label selector (makeInformer) and field selector (ListWatch)', async () => {
    const pr = pipelineRun('ci', 'p-aaaaa');
    const tr = taskRun('ci', 'p-aaaaa-build', { pipelineRun: pr, pipelineTask: 'build' });
    kube.create('pods', pod('ci', 'p-aaaaa-build-pod', tr));
    kube.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx', namespace: 'ci', labels: { app: 'nginx' } } });
    const api = kube.kubeConfig().makeApiClient(CoreV1Api);
    const pods = makeInformer(kube.kubeConfig(), '/api/v1/pods', () => api.listPodForAllNamespaces({ labelSelector: 'tekton.dev/taskRun' }), 'tekton.dev/taskRun');
    const p = observe(pods);
    kube.create('taskruns', taskRun('ci', 'a'));
    const runs = taskRunInformer('metadata.name=b');
    await Promise.all([pods.start(), runs.lw.start()]);
    kube.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx-2', namespace: 'ci' } });
    kube.create('pods', pod('ci', 'p-aaaaa-build-pod-retry1', tr));
    kube.create('taskruns', taskRun('ci', 'b'));
    kube.create('taskruns', taskRun('ci', 'c'));
    await until(() => p.seen.length === 2 && runs.seen.length === 1, 'the selected objects');
    expect(p.seen.map((s) => s.name)).toEqual(['p-aaaaa-build-pod', 'p-aaaaa-build-pod-retry1']);
    expect(runs.seen.map((s) => s.name)).toEqual(['b']);
    expect(kube.requests.find((r) => r.query['watch'] === 'true' && r.path === '/api/v1/pods')?.query['labelSelector']).toBe('tekton.dev/taskRun');
    await Promise.all([pods.stop(), runs.lw.stop()]);
  });

  it('shows a watch with a selector an object that enters it as ADDED and one that leaves it as DELETED', async () => {
    const api = kube.kubeConfig().makeApiClient(CoreV1Api);
    const inf = makeInformer(kube.kubeConfig(), '/api/v1/pods', () => api.listPodForAllNamespaces({ labelSelector: 'tekton.dev/taskRun' }), 'tekton.dev/taskRun');
    const { seen } = observe(inf);
    await inf.start();
    type Pod = KubernetesObject & { status?: object };
    const plain = kube.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ci', labels: { app: 'x' } } });
    const labelled = kube.update<Pod>('pods', { ...plain, metadata: { ...plain.metadata, labels: { 'tekton.dev/taskRun': 'tr' } } });
    kube.update<Pod>('pods', { ...labelled, status: { phase: 'Running' } });
    const unlabelled = kube.update<Pod>('pods', { ...labelled, metadata: { ...labelled.metadata, labels: {} } });
    await until(() => seen.length === 3, 'three events');
    expect(seen.map((s) => s.verb)).toEqual(['add', 'update', 'delete']);
    expect(seen[2]!.rv).toBe(unlabelled.metadata!.resourceVersion);
    expect(inf.list()).toEqual([]);
    await inf.stop();
  });

  it('makes an informer relist, without an error, after expireWatches() ends its watch with 410 Gone', async () => {
    const a = kube.create('taskruns', taskRun('ci', 'a'));
    const before = String(a.metadata['resourceVersion']);
    const { lw, seen, errors } = taskRunInformer();
    await lw.start();
    await until(() => seen.length === 1, 'the first list');
    expect(lists('/apis/tekton.dev/v1/taskruns')).toBe(1);
    kube.create('pods', pod('ci', 'p', { taskRun: 'x' }));
    kube.expireWatches();
    kube.create('taskruns', taskRun('ci', 'b'));
    kube.remove('taskruns', 'ci', 'a');
    await until(() => lists('/apis/tekton.dev/v1/taskruns') === 2 && seen.length === 3, 'the relist and its changes');
    // A relist reports what went missing first, then what is new.
    expect(seen.map((s) => `${s.verb} ${s.name}`)).toEqual(['add a', 'delete a', 'add b']);
    expect(errors).toEqual([]);
    // What the informer saw: an ERROR event with a 410 Status in an HTTP 200 watch.
    const lines: { type: string; object: Record<string, unknown> }[] = [];
    let ended: unknown = 'not yet';
    await new Watch(kube.kubeConfig()).watch('/apis/tekton.dev/v1/taskruns', { resourceVersion: before }, (type, object) => lines.push({ type, object }), (err) => (ended = err));
    await until(() => ended !== 'not yet', 'the expired watch to end');
    expect(lines).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired', status: 'Failure' }) }]);
    // A list that insists on the old snapshot is answered HTTP 410.
    const exact = await fetch(`${kube.url}/apis/tekton.dev/v1/taskruns?resourceVersion=${before}&resourceVersionMatch=Exact`);
    expect(exact.status).toBe(410);
    expect(await exact.json()).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    await lw.stop();
  });

  it('lets an informer watch again after one relist when nothing was written since expireWatches()', async () => {
    kube.create('taskruns', taskRun('ci', 'a'));
    const { lw, seen, errors } = taskRunInformer();
    await lw.start();
    await until(() => watchesOf('/apis/tekton.dev/v1/taskruns') === 1, 'the first watch');
    kube.expireWatches();
    await until(() => watchesOf('/apis/tekton.dev/v1/taskruns') === 2, 'the watch after the relist');
    kube.create('taskruns', taskRun('ci', 'b'));
    await until(() => seen.length === 2, 'the new object from the watch');
    expect(lists('/apis/tekton.dev/v1/taskruns')).toBe(2);
    expect(watchesOf('/apis/tekton.dev/v1/taskruns')).toBe(2);
    expect(errors).toEqual([]);
    await lw.stop();
  });

  it('compacts history beyond historyLimit: a watch from before it gets 410, one from within it the replay', async () => {
    const small = await startFakeKube({ historyLimit: 2 });
    try {
      const rvs = ['a', 'b', 'c'].map((n) => String(small.create('taskruns', taskRun('ci', n)).metadata['resourceVersion']));
      const first = async (rv: string) => {
        const res = await fetch(`${small.url}/apis/tekton.dev/v1/taskruns?watch=1&resourceVersion=${rv}&timeoutSeconds=1`);
        return JSON.parse((await res.text()).split('\n')[0]!) as { type: string; object: { code?: number; metadata?: { name: string } } };
      };
      expect(await first(String(Number(rvs[0]) - 1))).toMatchObject({ type: 'ERROR', object: { code: 410 } });
      expect(await first(rvs[0]!)).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'b' } } });
    } finally {
      await small.close();
    }
  });

  it('stops an informer for good with an error when its watch connection is reset', async () => {
    const { lw, errors } = taskRunInformer();
    await lw.start();
    await until(() => watchesOf('/apis/tekton.dev/v1/taskruns') === 1, 'the watch');
    kube.dropWatches();
    await until(() => errors.length === 1, 'an informer error');
    kube.create('taskruns', taskRun('ci', 'after'));
    await new Promise((r) => setTimeout(r, 100));
    expect(watchesOf('/apis/tekton.dev/v1/taskruns')).toBe(1);
    expect(lists('/apis/tekton.dev/v1/taskruns')).toBe(1);
  });

  it.each([
    ['the list', false],
    ['the watch', true],
  ])('stops an informer for good with an error when %s is answered 503', async (_what, failWatch) => {
    if (!failWatch) kube.failRequests(1, 503);
    const { lw, errors } = taskRunInformer(undefined, () => failWatch && kube.failRequests(1, 503));
    await lw.start();
    await until(() => errors.length === 1, 'an informer error');
    expect(errors[0]!.code ?? errors[0]!.statusCode).toBe(503);
    await new Promise((r) => setTimeout(r, 100));
    expect(lists('/apis/tekton.dev/v1/taskruns')).toBe(1);
    expect(watchesOf('/apis/tekton.dev/v1/taskruns')).toBe(failWatch ? 1 : 0);
  });

  it('answers injected failures with a Status body, and 429 with Retry-After', async () => {
    kube.failRequests(2, 429);
    const a = await fetch(`${kube.url}/api/v1/pods`);
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('1');
    expect(await a.json()).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', code: 429 });
    expect((await fetch(`${kube.url}/api/v1/pods?watch=true`)).status).toBe(429);
    expect((await fetch(`${kube.url}/api/v1/pods`)).status).toBe(200);
  });

  it('resumes a watch from a resourceVersion by replaying what came after it', async () => {
    const one = kube.create('taskruns', taskRun('ci', 'one'));
    kube.update('taskruns', { ...one, metadata: { ...one.metadata, labels: { changed: 'yes' } } });
    kube.create('taskruns', taskRun('ci', 'two'));
    const lines: { type: string; name: string }[] = [];
    const ctrl = await new Watch(kube.kubeConfig()).watch(
      '/apis/tekton.dev/v1/taskruns',
      { resourceVersion: String(one.metadata['resourceVersion']) },
      (type, object: KubernetesObject) => lines.push({ type, name: object.metadata!.name! }),
      () => undefined,
    );
    await until(() => lines.length === 2, 'the replay');
    expect(lines).toEqual([
      { type: 'MODIFIED', name: 'one' },
      { type: 'ADDED', name: 'two' },
    ]);
    ctrl.abort();
  });

  it('sends BOOKMARK events only when enabled and asked for, carrying the latest resourceVersion', async () => {
    kube.create('taskruns', taskRun('ci', 'one'));
    kube.bookmarks(true, 20);
    const seen: Record<string, string[]> = { asked: [], notAsked: [] };
    const bookmarkRvs: string[] = [];
    const w = new Watch(kube.kubeConfig());
    const asked = await w.watch(
      '/apis/tekton.dev/v1/taskruns',
      { allowWatchBookmarks: true },
      (type, o: KubernetesObject) => {
        seen['asked']!.push(type);
        if (type === 'BOOKMARK') bookmarkRvs.push(o.metadata!.resourceVersion!);
      },
      () => undefined,
    );
    const notAsked = await w.watch('/apis/tekton.dev/v1/taskruns', {}, (type) => seen['notAsked']!.push(type), () => undefined);
    await until(() => seen['asked']!.filter((t) => t === 'BOOKMARK').length >= 2, 'bookmarks');
    expect(seen['asked']![0]).toBe('ADDED');
    expect(seen['notAsked']).toEqual(['ADDED']);
    kube.create('pods', pod('ci', 'p', { taskRun: 'x' }));
    const rv = kube.resourceVersion();
    await until(() => bookmarkRvs.at(-1) === rv, 'a bookmark with the resourceVersion of the latest write (of any resource)');
    asked.abort();
    notAsked.abort();
  });

  it('pages a list with limit and continue over one snapshot, and expires the continue token with 410', async () => {
    for (const name of ['e', 'c', 'a', 'd', 'b']) kube.create('pipelineruns', pipelineRun('ci', name));
    const api = kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const page = (cont?: string) => api.listClusterCustomObject({ group: 'tekton.dev', version: 'v1', plural: 'pipelineruns', limit: 2, _continue: cont }) as Promise<KubernetesListObject<KubernetesObject>>;
    const first = await page();
    kube.create('pipelineruns', pipelineRun('ci', 'aa'));
    kube.remove('pipelineruns', 'ci', 'd');
    const second = await page(first.metadata!._continue ?? (first.metadata as { continue?: string }).continue);
    const cont = (second.metadata as { continue?: string }).continue!;
    expect([...first.items, ...second.items].map((o) => o.metadata!.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(second.metadata!.resourceVersion).toBe(first.metadata!.resourceVersion);
    expect((second.metadata as { remainingItemCount?: number }).remainingItemCount).toBe(1);
    kube.expireWatches();
    await expect(page(cont)).rejects.toMatchObject({ code: 410 });
  });

  it('ends a watch cleanly after timeoutSeconds, and the informer resumes from its resourceVersion without relisting', async () => {
    const api = kube.kubeConfig().makeApiClient(CoreV1Api);
    const lw = new ListWatch('/api/v1/pods', new ShortWatch(kube.kubeConfig()), () => api.listPodForAllNamespaces(), false);
    const { seen, errors } = observe(lw);
    await lw.start();
    await until(() => watchesOf('/api/v1/pods') === 2, 'a second watch after the first timed out', 5000);
    kube.create('pods', pod('ci', 'late-pod', taskRun('ci', 'late')));
    await until(() => seen.length === 1, 'the pod');
    expect(lists('/api/v1/pods')).toBe(1);
    expect(errors).toEqual([]);
    const second = kube.requests.filter((r) => r.path === '/api/v1/pods' && r.query['watch'] === 'true')[1]!;
    expect(second.query['resourceVersion']).toBe(kube.requests.find((r) => r.query['watch'] === 'true')!.query['resourceVersion']);
    await lw.stop();
  });
});
