/**
 * Store benchmarks (issue #2):
 *  (a) end-to-end ingest over HTTP: single events from 16 concurrent clients, and batches of 100;
 *  (b) the ceiling: the same events written by plain multi-row INSERTs with pg;
 *  (c) appends into EventLists already 1,000 items long, divided by appends into empty ones.
 * Server and Postgres share this machine, as they would in `npm start`; the HTTP clients run
 * in a worker thread (bench/httpLoad.mjs), so they do not take the server's event loop.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadConfig } from '../shared/config.js';
import { buildFunctions } from '../functions/runtime.js';
import { listen, routeAll } from '../functions/server.js';
import { writeBatch } from '../shared/store/writeBatch.js';
import { EVENT_TYPE, type StoredEvent } from '../shared/event.js';
import { toWrite } from '../functions/ingest/toWrites.js';
import type { Write } from '../shared/store/types.js';
import { benchDatabase, fmt, printTable, timed, type Row } from './harness.js';

const TOKEN = 'bench-ingest-token-0123456789';
const CONCURRENCY = 16;
/** Events per TaskRun in a row (see workload). */
const BURST = 10;

interface Run {
  kind: 'TaskRun' | 'PipelineRun';
  name: string;
  uid: string;
}

function event(i: number): StoredEvent {
  const t = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  return {
    metadata: { name: `build-pod.${i.toString(16).padStart(16, '0')}`, namespace: 'bench', uid: randomUUID(), resourceVersion: String(1000 + i), creationTimestamp: t },
    regarding: { kind: 'Pod', name: 'build-pod', namespace: 'bench', uid: randomUUID(), apiVersion: 'v1', fieldPath: 'spec.containers{step-build}', taskName: 'build' },
    reason: i % 3 ? 'Pulled' : 'BackOff',
    note: 'Back-off restarting failed container step-build in pod build-pod_bench(2f0e3c1a-7b7d-4a39-9d3e-2a1c1f0e9b7a)',
    type: i % 3 ? 'Normal' : 'Warning',
    action: 'Pulling',
    reportingController: 'kubelet',
    reportingInstance: 'node-1',
    eventTime: null,
    deprecatedFirstTimestamp: t,
    deprecatedLastTimestamp: t,
    deprecatedCount: 1,
  };
}

function ce(e: StoredEvent, run: Run, pr: { name: string; uid: string } | null): Record<string, unknown> {
  return {
    specversion: '1.0',
    type: EVENT_TYPE,
    source: '/tekton-events/forwarder/bench',
    id: `${e.metadata.uid}/${e.metadata.resourceVersion}`,
    subject: `namespaces/bench/${run.kind === 'TaskRun' ? 'taskruns' : 'pipelineruns'}/${run.name}`,
    time: e.metadata.creationTimestamp,
    datacontenttype: 'application/json',
    data: { event: e, run, pipelineRun: pr },
  };
}

/**
 * `lists` TaskRuns, four to a PipelineRun. Events come in runs of `burst` per TaskRun, as a
 * TaskRun's pod emits them (Scheduled, Pulling, Pulled, Created, Started, …): event i goes to
 * list floor(i / burst) % lists. A batch of 100 then spans 100 / burst lists.
 */
function workload(count: number, lists: number, burst = 1): Record<string, unknown>[] {
  const prs = Array.from({ length: Math.ceil(lists / 4) }, (_, i) => ({ name: `pr-${i}`, uid: randomUUID() }));
  const trs = Array.from({ length: lists }, (_, i) => ({ kind: 'TaskRun' as const, name: `pr-${Math.floor(i / 4)}-t${i}`, uid: randomUUID() }));
  return Array.from({ length: count }, (_, i) => {
    const l = Math.floor(i / burst) % lists;
    return ce(event(i), trs[l]!, prs[Math.floor(l / 4)]!);
  });
}

/** Sends `bodies` from a worker thread with `concurrency` clients; returns the seconds taken. */
function load(url: string, bodies: string[], batch: boolean, concurrency: number): Promise<number> {
  const worker = new Worker(new URL('./httpLoad.mjs', import.meta.url), {
    workerData: {
      url: `${url}/ingest`,
      token: TOKEN,
      contentType: batch ? 'application/cloudevents-batch+json' : 'application/cloudevents+json',
      bodies,
      concurrency,
    },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { seconds: number }) => resolve(m.seconds));
    worker.once('error', reject);
  }).finally(() => void worker.terminate()) as Promise<number>;
}

async function post(url: string, body: string, batch: boolean): Promise<void> {
  const res = await fetch(`${url}/ingest`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': batch ? 'application/cloudevents-batch+json' : 'application/cloudevents+json',
    },
    body,
  });
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

function writesOf(ces: Record<string, unknown>[]): Write[] {
  return ces.map((c) => {
    const w = toWrite({ pointer: 'event', id: String(c['id']), source: String(c['source']), type: String(c['type']), subject: String(c['subject']), data: c['data'], mayContainNul: true }, 'event');
    if (Array.isArray(w)) throw new Error(w[0]!.detail);
    return w;
  });
}

export async function runIngestBench(): Promise<Row[]> {
  const rows: Row[] = [];
  const db = await benchDatabase(CONCURRENCY + 4);
  try {
    const config = loadConfig({ DATABASE_URL: db.url, INGEST_TOKEN: TOKEN, QUERY_TOKEN: TOKEN, PG_POOL_MAX: String(CONCURRENCY) });
    const fns = await buildFunctions(config, db.pool);
    const { server, url } = await listen(routeAll(fns), config.MAX_BODY_BYTES, 0);

    // Warm up connections and JIT.
    const warm = workload(2_000, 50);
    await timed(20, 4, (i) => post(url, JSON.stringify(warm.slice(i * 100, i * 100 + 100)), true));

    const singles = workload(20_000, 400).map((c) => JSON.stringify(c));
    const singleSecs = await load(url, singles, false, CONCURRENCY);
    const singleRate = singles.length / singleSecs;
    rows.push({ benchmark: `(a) ingest over HTTP, single events, ${CONCURRENCY} clients`, figure: `${fmt(singleRate)} events/s` });

    const batchEvents = workload(100_000, 2_000, BURST);
    const batches = Array.from({ length: batchEvents.length / 100 }, (_, i) => JSON.stringify(batchEvents.slice(i * 100, i * 100 + 100)));
    const batchSecs = await load(url, batches, true, CONCURRENCY);
    const batchRate = batchEvents.length / batchSecs;

    // (b) the ceiling: the same rows into a table shaped like record_events (same columns and
    // indexes, no foreign key), one plain multi-row INSERT per 100: no HTTP, no validation, no upsert.
    await db.pool.query('create table ceiling (like record_events including defaults including indexes)');
    const writes = writesOf(batchEvents);
    const ceilSecs = await timed(writes.length / 100, CONCURRENCY, async (b) => {
      const chunk = writes.slice(b * 100, b * 100 + 100) as Extract<Write, { kind: 'event' }>[];
      const values: unknown[] = [];
      const tuples = chunk.map((w, j) => {
        values.push(w.list.recordId, w.key, w.seriesCount, w.lastSeen, w.resourceVersion, w.firstSeen, w.reason, w.type, JSON.stringify(w.event));
        const o = j * 9;
        return `($${o + 1}::uuid, $${o + 2}, $${o + 3}::int8, $${o + 4}::timestamptz, $${o + 5}::numeric, $${o + 6}::timestamptz, $${o + 7}, $${o + 8}, $${o + 9}::json)`;
      });
      await db.pool.query({
        text: `insert into ceiling (record_id, event_key, series_count, last_seen, resource_version, first_seen, reason, type, event)
               values ${tuples.join(', ')}`,
        values,
      });
    });
    const ceilRate = writes.length / ceilSecs;
    const ratio = batchRate / ceilRate;
    rows.push({ benchmark: `(a) ingest over HTTP, batches of 100 (${100 / BURST} TaskRuns each), ${CONCURRENCY} clients`, figure: `${fmt(batchRate)} events/s` });
    rows.push({ benchmark: '(b) ceiling: plain multi-row INSERT with pg, 100 rows, 16 clients', figure: `${fmt(ceilRate)} events/s` });
    rows.push({ benchmark: '(a) batched ÷ (b) ceiling', figure: `${fmt(ratio * 100, 1)} %`, target: '≥ 50 %', met: ratio >= 0.5 });

    // (c) appends into long lists vs empty lists, one event per transaction, through the store.
    const append = async (lists: number, prefill: number): Promise<number> => {
      const pre = writesOf(workload(lists * prefill, lists));
      // Prefill in batches grouped per list, as fast as the store takes them.
      for (let i = 0; i < pre.length; i += 500) await writeBatch(db.pool, pre.slice(i, i + 500));
      const listKeys = [...new Map(pre.map((w) => [w.list.recordId, w.list])).values()];
      const fresh = writesOf(workload(4_000, lists)).map((w, i) => (prefill > 0 ? { ...w, list: listKeys[i % listKeys.length]! } : w));
      const secs = await timed(fresh.length, CONCURRENCY, (i) => writeBatch(db.pool, [fresh[i]!]).then(() => undefined));
      return fresh.length / secs;
    };
    const emptyRate = await append(40, 0);
    const longRate = await append(40, 1_000);
    rows.push({ benchmark: '(c) appends into empty EventLists, 1 event/txn, 16 clients', figure: `${fmt(emptyRate)} events/s` });
    rows.push({ benchmark: '(c) appends into EventLists of 1,000 items', figure: `${fmt(longRate)} events/s` });
    rows.push({ benchmark: '(c) long ÷ empty', figure: fmt(longRate / emptyRate, 2), target: '≥ 0.8', met: longRate / emptyRate >= 0.8 });

    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  } finally {
    await db.close();
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printTable('Event store (issue #2)', await runIngestBench());
}
