/**
 * Faults between the API server, the forwarder and the ingest function, each ending with every
 * Event stored exactly once in its latest state: the ingest function down and back, the
 * forwarder killed (no flush) and restarted, a watch expiring with 410 Gone, dropped watch
 * connections and failing API requests.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startForwarder, type Forwarder } from '../../forwarder/start.js';
import { EVENTLIST_ANNOTATION, eventListRecordName } from '../../shared/names.js';
import { startFakeKube, type FakeKube } from '../../devtools/fakeKube/server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { emitEvents, expectAllStoredOnce, forwarderConfig, standaloneRun, type Created } from './e2eHelpers.js';
import { until } from '../helpers/until.js';
import { startProxy, type Proxy } from './proxy.js';

let srv: TestServer;
let kube: FakeKube;
let proxy: Proxy;
const running: Forwarder[] = [];
beforeAll(async () => {
  [srv, kube] = await Promise.all([startTestServer(), startFakeKube()]);
  proxy = await startProxy(srv.url);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.kill()));
  proxy.mode = 'up';
});
afterAll(async () => {
  await proxy?.close();
  await kube?.close();
  await srv?.close();
});

const total = async (c: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> }, labels: Record<string, string> = {}) =>
  (await c.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((s, v) => s + v.value, 0);

function start(over: Parameters<typeof forwarderConfig>[1] = {}): Forwarder {
  const f = startForwarder(forwarderConfig(`${proxy.url}/ingest`, over), { kubeConfig: kube.kubeConfig() });
  running.push(f);
  return f;
}

describe('the forwarder under faults', () => {
  it('keeps retrying while the ingest function is down and delivers everything once it is back', async () => {
    const ns = 'fault-ingest';
    const { pod } = standaloneRun(kube, ns, 'down-and-back');
    const created: Created = new Map();
    const fwd = start({ namespaces: [ns] });
    await fwd.ready;
    emitEvents(kube, pod, 30, created, 'before');
    await expectAllStoredOnce(srv.url, ns, created);
    proxy.mode = 'down';
    emitEvents(kube, pod, 30, created, 'while down');
    await until(() => total(fwd.metrics.retried), (n) => n >= 2, 'retries while ingest is down');
    proxy.mode = '503';
    emitEvents(kube, pod, 10, created, 'while 503');
    await until(() => proxy.refused, (n) => n >= 4, 'a 503 answered');
    proxy.mode = 'up';
    await expectAllStoredOnce(srv.url, ns, created);
    expect(await total(fwd.metrics.rejected)).toBe(0);
  });

  it('loses nothing when killed mid-stream without flushing: the next forwarder lists and sends again', async () => {
    const ns = 'fault-restart';
    const { pod } = standaloneRun(kube, ns, 'killed');
    const created: Created = new Map();
    // A long flush interval: when it is killed, events are certainly still buffered.
    const first = start({ namespaces: [ns], flushIntervalMs: 60_000, batchSize: 1000 });
    await first.ready;
    emitEvents(kube, pod, 40, created, 'first');
    await until(() => total(first.metrics.seen, { resource: 'events' }), (n) => n >= 40, 'the first forwarder to see the Events');
    await first.kill();
    expect(await total(first.metrics.sent)).toBe(0);
    emitEvents(kube, pod, 20, created, 'between');
    const second = start({ namespaces: [ns] });
    await second.ready;
    emitEvents(kube, pod, 20, created, 'second');
    await expectAllStoredOnce(srv.url, ns, created);
  });

  it('annotates a run once, even across a restart', async () => {
    const ns = 'fault-annotate';
    const { tr, pod } = standaloneRun(kube, ns, 'annotated');
    const created: Created = new Map();
    const first = start({ namespaces: [ns] });
    await first.ready;
    emitEvents(kube, pod, 5, created, 'first');
    const annotation = () => (kube.get<{ metadata: { annotations?: Record<string, string> } }>('taskruns', ns, 'annotated')?.metadata.annotations ?? {})[EVENTLIST_ANNOTATION];
    await until(annotation, (v) => v !== undefined, 'the annotation');
    await first.kill();
    const second = start({ namespaces: [ns] });
    await second.ready;
    emitEvents(kube, pod, 5, created, 'second');
    await expectAllStoredOnce(srv.url, ns, created);
    const patches = kube.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/taskruns/annotated'));
    expect(patches).toHaveLength(1);
    expect(annotation()).toBe(eventListRecordName(ns, String(tr.metadata['uid']), String(tr.metadata['uid'])));
  });

  it('relists after a watch expires with 410 Gone and sends what changed in the gap', async () => {
    const ns = 'fault-gone';
    const { pod } = standaloneRun(kube, ns, 'expired');
    const created: Created = new Map();
    const fwd = start({ namespaces: [ns] });
    await fwd.ready;
    emitEvents(kube, pod, 20, created, 'before');
    await expectAllStoredOnce(srv.url, ns, created);
    const relists = await total(fwd.metrics.relists, { resource: 'events' });
    kube.expireWatches();
    emitEvents(kube, pod, 20, created, 'in the gap');
    await expectAllStoredOnce(srv.url, ns, created);
    expect(await total(fwd.metrics.relists, { resource: 'events' })).toBeGreaterThan(relists);
    emitEvents(kube, pod, 10, created, 'after');
    await expectAllStoredOnce(srv.url, ns, created);
  });

  it('restarts its informers with backoff after a dropped connection and failing API requests', async () => {
    const ns = 'fault-drop';
    const { pod } = standaloneRun(kube, ns, 'dropped');
    const created: Created = new Map();
    const fwd = start({ namespaces: [ns] });
    await fwd.ready;
    emitEvents(kube, pod, 10, created, 'before');
    await expectAllStoredOnce(srv.url, ns, created);
    kube.failRequests(6, 503);
    kube.dropWatches();
    emitEvents(kube, pod, 10, created, 'while failing');
    await expectAllStoredOnce(srv.url, ns, created);
    expect(await total(fwd.metrics.watchRestarts)).toBeGreaterThanOrEqual(1);
    emitEvents(kube, pod, 10, created, 'after');
    await expectAllStoredOnce(srv.url, ns, created);
  });
});
