/** Helpers for the forwarder's end-to-end tests: config, and reading EventLists back through the query API. */
import { loadForwarderConfig, type ForwarderConfig } from '../../forwarder/config.js';
import type { StoredEvent } from '../../shared/event.js';
import { INGEST_TOKEN, QUERY_TOKEN } from '../helpers/server.js';
import type { FakeKube } from '../../devtools/fakeKube/server.js';
import { eventV1, pod, repeat, taskRun } from '../../devtools/fakeKube/fixtures.js';
import { until } from '../helpers/until.js';

export function forwarderConfig(sink: string, over: Partial<ForwarderConfig> = {}): ForwarderConfig {
  return { ...loadForwarderConfig(['--store-events=true', `--sink=${sink}`, `--sink-token=${INGEST_TOKEN}`, '--cluster-name=test', '--flush-interval=50ms', '--port=0'], {}), ...over };
}

export interface EventList {
  name: string;
  items: StoredEvent[];
}

async function get(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${QUERY_TOKEN}` } });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Every EventList record of a namespace, decoded, by record name. */
export async function eventLists(base: string, ns: string): Promise<Map<string, EventList>> {
  // A records list also holds run records: ask for the EventLists, as a Results client would.
  const filter = encodeURIComponent('data_type == "results.tekton.dev/v1.EventList"');
  const body = await get(`${base}/apis/results.tekton.dev/v1alpha2/parents/${ns}/results/-/records?page_size=10000&filter=${filter}`);
  const out = new Map<string, EventList>();
  for (const r of (body['records'] ?? []) as { name: string; data: { value: string } }[]) {
    const list = JSON.parse(Buffer.from(r.data.value, 'base64').toString('utf8')) as { items: StoredEvent[] };
    out.set(r.name, { name: r.name, items: list.items });
  }
  return out;
}

export async function results(base: string, ns: string): Promise<Record<string, unknown>[]> {
  const body = await get(`${base}/apis/results.tekton.dev/v1alpha2/parents/${ns}/results?page_size=10000`);
  return (body['results'] ?? []) as Record<string, unknown>[];
}

/** Every stored Event of a namespace, across its EventLists. */
export async function storedEvents(base: string, ns: string): Promise<StoredEvent[]> {
  return [...(await eventLists(base, ns)).values()].flatMap((l) => l.items);
}

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

/** The Events a fault test created: uid → the series count of its latest state. */
export type Created = Map<string, number>;

/** A standalone TaskRun and its Pod, whose Pod Events the fault tests stream. */
export function standaloneRun(kube: FakeKube, ns: string, name: string): { tr: Obj; pod: Obj } {
  const tr = kube.create('taskruns', taskRun(ns, name)) as Obj;
  const p = kube.create('pods', pod(ns, `${name}-pod`, tr)) as Obj;
  return { tr, pod: p };
}

/** Creates `n` Events about `about`; every fifth is then repeated twice (a series of 3). */
export function emitEvents(kube: FakeKube, about: Obj, n: number, created: Created, label = 'e'): void {
  for (let i = 0; i < n; i++) {
    const e = kube.create('events', eventV1(about, i % 2 ? 'Pulled' : 'Started', `${label} ${i}`)) as Obj;
    const uid = String(e.metadata['uid']);
    created.set(uid, 1);
    if (i % 5 === 0) {
      kube.update('events', repeat(e, 2));
      kube.update('events', repeat(e, 3));
      created.set(uid, 3);
    }
  }
}

/** Waits until every created Event is stored, then checks each is stored once, in its latest state. */
export async function expectAllStoredOnce(base: string, ns: string, created: Created, timeoutMs = 60_000): Promise<void> {
  const items = await until(
    () => storedEvents(base, ns),
    (items) => items.length >= created.size && items.every((i) => (i.series?.count ?? 1) === created.get(i.metadata.uid!)),
    `${created.size} Events stored in their latest state`,
    timeoutMs,
  );
  const uids = items.map((i) => i.metadata.uid!);
  if (new Set(uids).size !== uids.length) throw new Error('an Event is stored twice');
  const missing = [...created.keys()].filter((u) => !uids.includes(u));
  if (missing.length > 0 || uids.length !== created.size) throw new Error(`stored ${uids.length} of ${created.size}; missing ${missing.length}`);
}
