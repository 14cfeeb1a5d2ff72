/**
 * fake API server → forwarder → ingest → Postgres → query API, with the real client-node
 * informers and a real database: a failing PipelineRun ends up as exactly the EventLists,
 * items, task names, annotations and summary it should.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForwarder, type Forwarder } from '../../forwarder/start.js';
import { EVENTLIST_ANNOTATION, eventListRecordName, runRecordName } from '../../shared/names.js';
import { startFakeKube, type FakeKube } from '../../devtools/fakeKube/server.js';
import { coreEvent, eventV1, finish, pipelineRun, pod, repeat, taskRun } from '../../devtools/fakeKube/fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventLists, forwarderConfig, results } from './e2eHelpers.js';
import { until } from '../helpers/until.js';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

let srv: TestServer;
let kube: FakeKube;
let fwd: Forwarder | undefined;
beforeAll(async () => {
  [srv, kube] = await Promise.all([startTestServer(), startFakeKube()]);
});
afterAll(async () => {
  await fwd?.kill();
  await kube?.close();
  await srv?.close();
});

const NS = 'ci';
const md = (o: Obj) => o.metadata as { name: string; uid: string; annotations?: Record<string, string> };

describe('a failing PipelineRun, end to end', () => {
  it('becomes one EventList per run, each Event once with its latest state, runs annotated, the result summarised', async () => {
    /** run name → [reason, regarding kind, regarding name] in the order the Events happened */
    const expected = new Map<string, [string, string, string][]>();
    const emit = (run: Obj, about: Obj, e: Obj, resource: 'events' | 'coreevents' = 'events') => {
      const created = kube.create(resource, e) as Obj;
      const list = expected.get(md(run).name) ?? [];
      list.push([String(e['reason']), String(about['kind']), md(about).name]);
      expected.set(md(run).name, list);
      return created;
    };

    // Before the forwarder starts: what it finds by listing.
    const pr = kube.create('pipelineruns', pipelineRun(NS, 'build-and-deploy-x7k2p')) as Obj;
    emit(pr, pr, eventV1(pr, 'Started', ''));
    let fetch = kube.create('taskruns', taskRun(NS, 'build-and-deploy-x7k2p-fetch-source', { pipelineRun: pr, pipelineTask: 'fetch-source' })) as Obj;
    emit(fetch, fetch, eventV1(fetch, 'Started', ''));
    const fetchPod = kube.create('pods', pod(NS, 'build-and-deploy-x7k2p-fetch-source-pod', fetch)) as Obj;
    emit(fetch, fetchPod, eventV1(fetchPod, 'FailedScheduling', '0/3 nodes are available: 3 Insufficient memory.', { type: 'Warning', controller: 'default-scheduler' }));
    emit(fetch, fetchPod, eventV1(fetchPod, 'Scheduled', `Successfully assigned ${NS}/${md(fetchPod).name} to node-1`, { controller: 'default-scheduler' }));
    let build = kube.create('taskruns', taskRun(NS, 'build-and-deploy-x7k2p-build-image', { pipelineRun: pr, pipelineTask: 'build-image' })) as Obj;
    emit(build, build, eventV1(build, 'Started', ''));
    const firstPod = kube.create('pods', pod(NS, 'build-and-deploy-x7k2p-build-image-pod', build)) as Obj;
    emit(build, firstPod, eventV1(firstPod, 'Scheduled', 'Successfully assigned', { controller: 'default-scheduler' }));
    // the kubelet still writes core/v1 Events
    emit(build, firstPod, coreEvent(firstPod, 'Pulling', 'Pulling image "gcr.io/kaniko-project/executor:v1.23.2"', { fieldPath: 'spec.containers{step-build}' }), 'coreevents');
    // The TaskRun is retried: a second Pod; the first is deleted before its last Event arrives.
    build = kube.update('taskruns', { ...build, status: { ...(build['status'] as object), podName: `${md(build).name}-pod-retry1`, retriesStatus: [{ podName: md(firstPod).name }] } }) as Obj;
    kube.remove('pods', NS, md(firstPod).name);
    emit(build, firstPod, eventV1(firstPod, 'Killing', 'Stopping container step-build', { fieldPath: 'spec.containers{step-build}' }));
    // Not a Tekton Pod: ignored.
    kube.create('events', eventV1({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'nginx-7d9c4b5f6-abcde', namespace: NS, uid: 'x' } }, 'Pulled', 'nginx'));

    fwd = startForwarder(forwarderConfig(`${srv.url}/ingest`), { kubeConfig: kube.kubeConfig() });
    await fwd.ready;

    // While it watches.
    const retryPod = kube.create('pods', pod(NS, `${md(build).name}-pod-retry1`, build)) as Obj;
    emit(build, retryPod, eventV1(retryPod, 'Scheduled', 'Successfully assigned', { controller: 'default-scheduler' }));
    emit(build, retryPod, eventV1(retryPod, 'Pulled', 'Container image already present on machine', { fieldPath: 'spec.containers{step-build}' }));
    const backOff = emit(build, retryPod, eventV1(retryPod, 'BackOff', 'Back-off restarting failed container step-build', { type: 'Warning', fieldPath: 'spec.containers{step-build}' }));
    for (let count = 2; count <= 5; count++) kube.update('events', repeat(backOff, count));
    emit(fetch, fetchPod, eventV1(fetchPod, 'Started', 'Started container step-clone', { fieldPath: 'spec.containers{step-clone}' }));
    emit(fetch, fetch, eventV1(fetch, 'Succeeded', 'All Steps have completed executing'));
    fetch = kube.update('taskruns', finish(fetch, 'Succeeded', 'All Steps have completed executing', { succeeded: true, steps: [{ name: 'clone', exitCode: 0, reason: 'Completed' }] })) as Obj;
    emit(build, build, eventV1(build, 'Failed', '"step-build" exited with code 137: OOMKilled', { type: 'Warning' }));
    build = kube.update('taskruns', finish(build, 'Failed', '"step-build" exited with code 137: OOMKilled', { steps: [{ name: 'build', exitCode: 137, reason: 'OOMKilled' }] })) as Obj;
    emit(pr, pr, eventV1(pr, 'Failed', 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0', { type: 'Warning' }));
    kube.update('pipelineruns', finish(pr, 'Failed', 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0'));

    const names = {
      [md(pr).name]: eventListRecordName(NS, md(pr).uid, md(pr).uid),
      [md(fetch).name]: eventListRecordName(NS, md(pr).uid, md(fetch).uid),
      [md(build).name]: eventListRecordName(NS, md(pr).uid, md(build).uid),
    };
    const total = [...expected.values()].reduce((n, l) => n + l.length, 0);
    const lists = await until(
      () => eventLists(srv.url, NS),
      (m) => [...m.values()].reduce((n, l) => n + l.items.length, 0) >= total && [...m.values()].some((l) => l.items.some((i) => i.series?.count === 5)),
      'every Event stored',
    );

    expect([...lists.keys()].sort()).toEqual(Object.values(names).sort());
    const taskNames = { [md(pr).name]: md(pr).name, [md(fetch).name]: 'fetch-source', [md(build).name]: 'build-image' };
    for (const [run, events] of expected) {
      const items = lists.get(names[run]!)!.items;
      expect(items.map((i) => [i.reason, i.regarding.kind, i.regarding.name]), run).toEqual(events);
      expect(new Set(items.map((i) => i.regarding.taskName)), run).toEqual(new Set([taskNames[run]]));
      expect(new Set(items.map((i) => i.metadata.uid)).size, run).toBe(items.length);
    }
    const buildItems = lists.get(names[md(build).name]!)!.items;
    expect(buildItems.find((i) => i.reason === 'BackOff')).toMatchObject({ series: { count: 5 }, type: 'Warning', regarding: { fieldPath: 'spec.containers{step-build}' } });
    expect(buildItems.find((i) => i.reason === 'Pulling')).toMatchObject({ note: 'Pulling image "gcr.io/kaniko-project/executor:v1.23.2"', reportingController: 'kubelet', deprecatedCount: 1 });
    expect(JSON.stringify(buildItems)).not.toContain('managedFields');

    // Each run annotated once, with a merge patch naming its record.
    for (const [resource, run] of [['pipelineruns', pr], ['taskruns', fetch], ['taskruns', build]] as const) {
      await until(() => md(kube.get<Obj>(resource, NS, md(run).name)!).annotations?.[EVENTLIST_ANNOTATION], (v) => v !== undefined, `annotation of ${md(run).name}`);
      expect(md(kube.get<Obj>(resource, NS, md(run).name)!).annotations?.[EVENTLIST_ANNOTATION]).toBe(names[md(run).name]);
    }
    const patches = kube.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((p) => p.contentType)).toEqual(Array(3).fill('application/merge-patch+json'));
    expect(patches.map((p) => p.path).sort()).toEqual(
      [`/apis/tekton.dev/v1/namespaces/${NS}/pipelineruns/${md(pr).name}`, `/apis/tekton.dev/v1/namespaces/${NS}/taskruns/${md(build).name}`, `/apis/tekton.dev/v1/namespaces/${NS}/taskruns/${md(fetch).name}`].sort(),
    );

    // The run-status events: the Result's summary, and the OOMKilled step on the TaskRun's record.
    const [result] = await until(() => results(srv.url, NS), (r) => (r[0]?.['summary'] as { status?: string } | undefined)?.status !== undefined, 'the result summary');
    // As the Results watcher writes a Result: the summary names the run record, the
    // annotations the run's name and its Pipeline (the PipelineRun's tekton.dev/pipeline label).
    expect(result!['summary']).toMatchObject({ record: runRecordName(NS, md(pr).uid, md(pr).uid), type: 'tekton.dev/v1.PipelineRun', status: 'FAILURE', annotations: { reason: 'Failed' } });
    expect(result!['annotations']).toEqual({ 'tekton.dev/pipelineRun': md(pr).name, 'object.metadata.name': md(pr).name, 'tekton.dev/pipeline': 'build-and-deploy' });
    const { rows } = await srv.db.pool.query({ text: `select run_name, run_status from records where parent = $1 order by run_name`, values: [NS] });
    const byRun = Object.fromEntries(rows.map((r: { run_name: string; run_status: unknown }) => [r.run_name, r.run_status]));
    expect(byRun[md(build).name]).toMatchObject({ reason: 'Failed', steps: [{ name: 'build', exitCode: 137, reason: 'OOMKilled' }] });
    expect(byRun[md(fetch).name]).toMatchObject({ reason: 'Succeeded', steps: [{ name: 'clone', exitCode: 0 }] });

    // The forwarder's own count: nothing refused, nothing given up.
    expect((await fwd.metrics.rejected.get()).values[0]?.value ?? 0).toBe(0);
    expect((await fwd.metrics.unlinked.get()).values[0]?.value ?? 0).toBe(0);
  });

  it('gives a Result its Pipeline: on first sight when the PipelineRun has the label, else once its run statuses carry it', async () => {
    const ns = 'pipelines';
    const f = startForwarder(forwarderConfig(`${srv.url}/ingest`, { namespaces: [ns], annotate: false }), { kubeConfig: kube.kubeConfig() });
    try {
      await f.ready;
      // Labelled from the start: a Pod's Event creates the Result, with the label the Pod carries.
      const labelled = kube.create('pipelineruns', pipelineRun(ns, 'release-abcde', { pipeline: 'release' })) as Obj;
      const tr = kube.create('taskruns', taskRun(ns, 'release-abcde-publish', { pipelineRun: labelled, pipelineTask: 'publish' })) as Obj;
      const p = kube.create('pods', pod(ns, 'release-abcde-publish-pod', tr)) as Obj;
      kube.create('events', eventV1(p, 'Scheduled', 'Successfully assigned', { controller: 'default-scheduler' }));
      // Not labelled yet when its first Event is sent (Tekton adds the label as it reconciles).
      const bare = pipelineRun(ns, 'nightly-fghij', { pipeline: 'nightly' });
      (bare.metadata as { labels: Record<string, string> }).labels = {};
      const late = kube.create('pipelineruns', bare) as Obj;
      kube.create('events', eventV1(late, 'Started', ''));
      const byName = async () => new Map((await results(srv.url, ns)).map((r) => [(r['annotations'] as Record<string, string>)['object.metadata.name'], r]));
      const first = await until(byName, (m) => m.size === 2, 'both Results');
      expect(first.get('release-abcde')!['annotations']).toEqual({ 'tekton.dev/pipelineRun': 'release-abcde', 'object.metadata.name': 'release-abcde', 'tekton.dev/pipeline': 'release' });
      expect(first.get('release-abcde')!['summary']).toEqual({ record: runRecordName(ns, md(labelled).uid, md(labelled).uid), type: 'tekton.dev/v1.PipelineRun', status: 'UNKNOWN' });
      expect(first.get('nightly-fghij')!['annotations']).toEqual({ 'tekton.dev/pipelineRun': 'nightly-fghij', 'object.metadata.name': 'nightly-fghij' });
      // The label arrives, then the run finishes: its status teaches the Result.
      const labelledLate = kube.update('pipelineruns', { ...late, metadata: { ...late.metadata, labels: { 'tekton.dev/pipeline': 'nightly' } } }) as Obj;
      kube.update('pipelineruns', finish(labelledLate, 'Succeeded', 'Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0', { succeeded: true }));
      const after = await until(byName, (m) => (m.get('nightly-fghij')?.['summary'] as { status?: string } | undefined)?.status === 'SUCCESS', 'the summary');
      expect(after.get('nightly-fghij')!['annotations']).toMatchObject({ 'tekton.dev/pipeline': 'nightly' });
      expect((await f.metrics.rejected.get()).values[0]?.value ?? 0).toBe(0);
    } finally {
      await f.kill();
    }
  });

  it('reads core/v1 Events when told to (--events-api=v1), and places an Event that arrives before its Pod', async () => {
    const ns = 'core-events';
    const tr = kube.create('taskruns', taskRun(ns, 'unit-tests')) as Obj;
    const f = startForwarder(forwarderConfig(`${srv.url}/ingest`, { namespaces: [ns], eventsApi: 'v1' }), { kubeConfig: kube.kubeConfig() });
    try {
      await f.ready;
      // The scheduler's Event can reach the forwarder before the Pod does: it waits, then links.
      const p = pod(ns, 'unit-tests-pod-retry3', tr);
      const early = coreEvent(p as Obj, 'Scheduled', 'Successfully assigned', { component: 'default-scheduler' });
      kube.create('coreevents', early);
      await until(() => f.metrics.linkQueueDepth.get().then((g) => g.values[0]?.value ?? 0), (n) => n === 1, 'the Event to wait for its Pod');
      kube.create('pods', p);
      const repeated = kube.create('coreevents', coreEvent(p as Obj, 'BackOff', 'Back-off pulling image', { type: 'Warning' })) as Obj;
      kube.update('coreevents', repeat(repeated, 4));
      const record = eventListRecordName(ns, md(tr).uid, md(tr).uid);
      const lists = await until(
        () => eventLists(srv.url, ns),
        (m) => m.get(record)?.items.length === 2 && m.get(record)!.items[1]!.deprecatedCount === 4,
        'both Events stored',
      );
      expect(lists.get(record)!.items.map((i) => [i.reason, i.regarding.name, i.regarding.taskName, i.reportingController])).toEqual([
        ['Scheduled', 'unit-tests-pod-retry3', 'unit-tests', 'default-scheduler'],
        ['BackOff', 'unit-tests-pod-retry3', 'unit-tests', 'kubelet'],
      ]);
      expect(kube.requests.some((r) => r.path === `/api/v1/namespaces/${ns}/events`)).toBe(true);
    } finally {
      await f.kill();
    }
  });
});
