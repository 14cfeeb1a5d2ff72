/**
 * Beside a Tekton Results watcher running with `-store_event`: the watcher adopts any
 * `results.tekton.dev/eventlist` annotation as its own record name, so the forwarder never
 * replaces one, and leaves alone runs the watcher files under another Result than ours.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Annotator, decide, type AnnotateTarget } from '../../forwarder/annotate.js';
import type { AnnotationInfo } from '../../forwarder/caches.js';
import { ForwarderMetrics } from '../../forwarder/metrics.js';
import { startForwarder, type Forwarder } from '../../forwarder/start.js';
import { EVENTLIST_ANNOTATION, eventListRecordName, resultName } from '../../shared/names.js';
import { startFakeKube, type FakeKube } from '../../devtools/fakeKube/server.js';
import { eventV1, pipelineRun, pod, taskRun } from '../../devtools/fakeKube/fixtures.js';
import { until } from '../helpers/until.js';
import { forwarderConfig } from './e2eHelpers.js';
import { startSink, type Sink } from './sink.js';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> & { name: string; uid: string; annotations?: Record<string, string> } };

let kube: FakeKube;
let sink: Sink;
const forwarders: Forwarder[] = [];
beforeAll(async () => {
  [kube, sink] = await Promise.all([startFakeKube(), startSink()]);
});
afterAll(async () => {
  await Promise.all(forwarders.map((f) => f.kill()));
  await kube?.close();
  await sink?.close();
});

const annotationOf = (r: 'taskruns' | 'pipelineruns', ns: string, name: string) => kube.get<Obj>(r, ns, name)?.metadata.annotations?.[EVENTLIST_ANNOTATION];
const patchesOf = (name: string) => kube.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(`/${name}`));
const count = async (m: ForwarderMetrics, result: string) => (await m.annotated.get()).values.find((v) => v.labels['result'] === result)?.value ?? 0;

/** A standalone TaskRun with its pod and one Event, the TaskRun's metadata extended by `meta`. */
function run(ns: string, name: string, meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): Obj {
  const base = taskRun(ns, name) as Obj;
  const tr = kube.create('taskruns', {
    ...base,
    metadata: { ...base.metadata, labels: { ...(base.metadata['labels'] as object), ...meta.labels }, annotations: { ...meta.annotations } },
  }) as Obj;
  const p = kube.create('pods', pod(ns, `${name}-pod`, tr)) as Obj;
  kube.create('events', eventV1(p, 'Scheduled', `Successfully assigned ${ns}/${name}-pod to node-1`));
  return tr;
}

describe('beside a Tekton Results watcher', () => {
  it('never replaces an annotation a run already has, and leaves runs of another Result alone, while storing their Events', async () => {
    const ns = 'results-watcher';
    const mine = run(ns, 'mine');
    run(ns, 'adopted', { annotations: { [EVENTLIST_ANNOTATION]: `${ns}/results/theirs/records/theirs` } });
    run(ns, 'triggered', { labels: { 'triggers.tekton.dev/triggers-eventid': '4a1b2c3d-0000-4000-8000-000000000001' } });
    run(ns, 'grouped', { annotations: { 'results.tekton.dev/result': `${ns}/results/some-other-result` } });
    const same = run(ns, 'same-result');
    kube.update('taskruns', { ...same, metadata: { ...same.metadata, annotations: { 'results.tekton.dev/result': `${ns}/results/${same.metadata.uid}` } } });

    const fwd = startForwarder(forwarderConfig(sink.url, { namespaces: [ns] }), { kubeConfig: kube.kubeConfig() });
    forwarders.push(fwd);
    await until(() => annotationOf('taskruns', ns, 'mine'), (v) => v !== undefined, 'the plain run annotated');
    await until(() => annotationOf('taskruns', ns, 'same-result'), (v) => v !== undefined, 'the run whose Result is ours annotated');
    await until(async () => [await count(fwd.metrics, 'kept'), await count(fwd.metrics, 'foreign')], ([k, f]) => k === 1 && f === 2, 'the other runs decided');

    expect(annotationOf('taskruns', ns, 'mine')).toBe(eventListRecordName(ns, mine.metadata.uid, mine.metadata.uid));
    expect(annotationOf('taskruns', ns, 'adopted')).toBe(`${ns}/results/theirs/records/theirs`);
    expect(annotationOf('taskruns', ns, 'triggered')).toBeUndefined();
    expect(annotationOf('taskruns', ns, 'grouped')).toBeUndefined();
    for (const name of ['adopted', 'triggered', 'grouped']) expect(patchesOf(name)).toHaveLength(0);
    // Their Events are still stored, under our own names.
    const subjects = new Set(sink.received.flatMap((r) => (r.body.startsWith('[') ? (JSON.parse(r.body) as { subject: string }[]).map((e) => e.subject) : [])));
    for (const name of ['mine', 'adopted', 'triggered', 'grouped']) expect(subjects).toContain(`namespaces/${ns}/taskruns/${name}`);
    // Every patch is conditional on the version of the run the decision was made from.
    for (const p of patchesOf('mine')) expect((p.body as { metadata: { resourceVersion?: string } }).metadata.resourceVersion).toMatch(/^\d+$/);
  });

  it('does not overwrite an annotation written after its cache saw the run: the precondition fails, it looks again and keeps it', async () => {
    const ns = 'results-race';
    const pr = kube.create('pipelineruns', pipelineRun(ns, 'raced')) as Obj;
    const stale: AnnotationInfo = { eventList: undefined, resultsResult: undefined, resourceVersion: String(pr.metadata['resourceVersion']) };
    // The watcher annotates the run; our cache has not seen it yet.
    kube.update('pipelineruns', { ...pr, metadata: { ...pr.metadata, annotations: { [EVENTLIST_ANNOTATION]: 'theirs' } } });
    let info = stale;
    const metrics = new ForwarderMetrics();
    const annotator = new Annotator(kube.kubeConfig(), { metrics, log: pino({ level: 'silent' }), cacheSize: 100, current: () => info });
    const target: AnnotateTarget = { namespace: ns, kind: 'PipelineRun', name: 'raced', uid: pr.metadata.uid, recordName: eventListRecordName(ns, pr.metadata.uid, pr.metadata.uid), resultName: resultName(ns, pr.metadata.uid) };
    annotator.request(target);
    await until(() => patchesOf('raced').length, (n) => n >= 1, 'the first patch');
    // The informer catches up.
    const now = kube.get<Obj>('pipelineruns', ns, 'raced')!;
    info = { eventList: 'theirs', resultsResult: undefined, resourceVersion: String(now.metadata['resourceVersion']) };
    await until(() => count(metrics, 'kept'), (n) => n === 1, 'the annotation kept');
    annotator.stop();
    expect(annotationOf('pipelineruns', ns, 'raced')).toBe('theirs');
    expect(await count(metrics, 'patched')).toBe(0);
  });

  it.each<[string, AnnotationInfo | undefined, ReturnType<typeof decide>]>([
    ['unknown run', undefined, 'unknown'],
    ['already ours', { eventList: 'ns/results/r/records/x', resultsResult: undefined, resourceVersion: '1' }, 'done'],
    ['another record', { eventList: 'ns/results/r/records/y', resultsResult: undefined, resourceVersion: '1' }, 'kept'],
    ['another Result', { eventList: undefined, resultsResult: 'ns/results/other', resourceVersion: '1' }, 'foreign'],
    ['our Result named', { eventList: undefined, resultsResult: 'ns/results/r', resourceVersion: '1' }, 'patch'],
    ['nothing yet', { eventList: undefined, resultsResult: undefined, resourceVersion: '1' }, 'patch'],
  ])('decides %s', (_what, info, expected) => {
    const t: AnnotateTarget = { namespace: 'ns', kind: 'TaskRun', name: 'n', uid: 'u', recordName: 'ns/results/r/records/x', resultName: 'ns/results/r' };
    expect(decide(t, info)).toBe(expected);
  });
});
