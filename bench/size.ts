/**
 * Store size benchmark (`npm run bench -- size`): what a PipelineRun costs the database, for the
 * capacity plan (docs/capacity.md). A fresh database is loaded through the store's own write
 * path (writeBatch, batches of 100, 4 connections, as ingest runs) with reference PipelineRuns,
 * vacuumed as autovacuum would, and measured with pg_total_relation_size per table (heap, TOAST
 * and indexes). WAL bytes are read from the LSN before and after the load. Then every Result is
 * aged past the retention and the cleanup's own delete (deleteExpiredBatch, 500 Results a
 * statement, one connection) removes them: its rate beside the write rate says whether one
 * cleanup connection keeps up with ingest.
 *
 * Reference PipelineRun: 4 TaskRuns; per TaskRun 1 Scheduled, 4 pod Events per step for 2 steps
 * (Pulling, Pulled, Created, Started), 3 TaskRun Events (Started, Running, Succeeded), and one
 * Warning that repeats twice more (a series, updated in place): 13 Events and 15 writes per
 * TaskRun; 3 PipelineRun Events. 55 Events, 63 writes, 5 EventLists and 1 Result per run.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { writeBatch } from '../shared/store/writeBatch.js';
import { deleteExpiredBatch } from '../shared/store/deleteExpired.js';
import { EVENT_TYPE, type StoredEvent } from '../shared/event.js';
import { toWrite } from '../functions/ingest/toWrites.js';
import type { Write } from '../shared/store/types.js';
import { benchDatabase, fmt, printTable, timed, type Row } from './harness.js';

const RUNS = Number(process.env['BENCH_SIZE_RUNS'] ?? 2_000);
const BATCH = 100;
const WRITERS = 4;
const CLEANUP_BATCH = 500;
const NS = 'team-payments-ci';

interface Run {
  kind: 'TaskRun' | 'PipelineRun';
  name: string;
  uid: string;
}

let rv = 1_000_000;

function event(run: Run, regarding: { kind: string; name: string; fieldPath?: string }, t: number, reason: string, note: string, type: 'Normal' | 'Warning', controller: string, count = 1, first = t): StoredEvent {
  rv += 3;
  const iso = (s: number) => new Date(Date.UTC(2026, 10, 1) + s * 1000).toISOString().replace('.000Z', 'Z');
  return {
    metadata: { name: `${regarding.name}.${(0x187a3c00000 + rv).toString(16)}`, namespace: NS, uid: randomUUID(), resourceVersion: String(rv), creationTimestamp: iso(first) },
    regarding: { kind: regarding.kind, name: regarding.name, namespace: NS, uid: run.uid, apiVersion: regarding.kind === 'Pod' ? 'v1' : 'tekton.dev/v1', ...(regarding.fieldPath ? { fieldPath: regarding.fieldPath } : {}), taskName: run.name.split('-').at(-1) },
    reason,
    note,
    type,
    reportingController: controller,
    reportingInstance: controller === 'kubelet' ? 'gke-ci-pool-2-9f3b-node-7' : `${controller}-7d9c`,
    eventTime: null,
    deprecatedFirstTimestamp: iso(first),
    deprecatedLastTimestamp: iso(t),
    deprecatedCount: count,
  } as StoredEvent;
}

/** The CloudEvents of one reference PipelineRun, in the order a forwarder sends them. */
function pipelineRun(i: number): Record<string, unknown>[] {
  const pr: Run = { kind: 'PipelineRun', name: `build-and-deploy-${i.toString(36).padStart(5, '0')}`, uid: randomUUID() };
  const out: Record<string, unknown>[] = [];
  const ce = (e: StoredEvent, run: Run) =>
    out.push({
      specversion: '1.0',
      type: EVENT_TYPE,
      source: '/tekton-events/forwarder/prod-eu',
      id: `${e.metadata.uid}/${e.metadata.resourceVersion}`,
      subject: `namespaces/${NS}/${run.kind === 'TaskRun' ? 'taskruns' : 'pipelineruns'}/${run.name}`,
      data: { event: e, run, pipelineRun: { name: pr.name, uid: pr.uid } },
    });
  const t0 = i * 60;
  ce(event(pr, { kind: 'PipelineRun', name: pr.name }, t0, 'Started', '', 'Normal', 'PipelineRun'), pr);
  ce(event(pr, { kind: 'PipelineRun', name: pr.name }, t0 + 1, 'Running', 'Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 4, Skipped: 0', 'Normal', 'PipelineRun'), pr);
  for (const task of ['fetch-source', 'unit-test', 'build-image', 'deploy']) {
    const tr: Run = { kind: 'TaskRun', name: `${pr.name}-${task}`, uid: randomUUID() };
    const pod = { kind: 'Pod', name: `${tr.name}-pod` };
    let t = t0 + 2;
    ce(event(tr, pod, t++, 'Scheduled', `Successfully assigned ${NS}/${pod.name} to gke-ci-pool-2-9f3b-node-7`, 'Normal', 'default-scheduler'), tr);
    ce(event(tr, { kind: 'TaskRun', name: tr.name }, t++, 'Started', '', 'Normal', 'TaskRun'), tr);
    for (const step of ['prepare', task]) {
      const c = { ...pod, fieldPath: `spec.containers{step-${step}}` };
      const image = `europe-docker.pkg.dev/acme-ci/images/${step}:v1.14.2`;
      ce(event(tr, c, t++, 'Pulling', `Pulling image "${image}"`, 'Normal', 'kubelet'), tr);
      ce(event(tr, c, t++, 'Pulled', `Successfully pulled image "${image}" in 1.284s (1.284s including waiting). Image size: 48213984 bytes.`, 'Normal', 'kubelet'), tr);
      ce(event(tr, c, t++, 'Created', `Created container step-${step}`, 'Normal', 'kubelet'), tr);
      ce(event(tr, c, t++, 'Started', `Started container step-${step}`, 'Normal', 'kubelet'), tr);
    }
    ce(event(tr, { kind: 'TaskRun', name: tr.name }, t++, 'Running', 'Not all Steps in the Task have finished executing', 'Normal', 'TaskRun'), tr);
    // one Warning that repeats: the same Event (uid) with a growing series, updated in place
    const warn = event(tr, { ...pod, fieldPath: `spec.containers{step-${task}}` }, t, 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', 'Warning', 'kubelet');
    for (let n = 1; n <= 3; n++) ce({ ...warn, metadata: { ...warn.metadata, resourceVersion: String((rv += 3)) }, deprecatedCount: n }, tr);
    ce(event(tr, { kind: 'TaskRun', name: tr.name }, t + 30, 'Succeeded', 'All Steps have completed executing', 'Normal', 'TaskRun'), tr);
  }
  ce(event(pr, { kind: 'PipelineRun', name: pr.name }, t0 + 50, 'Succeeded', 'Tasks Completed: 4 (Failed: 0, Cancelled 0), Skipped: 0', 'Normal', 'PipelineRun'), pr);
  return out;
}

function writesOf(ces: Record<string, unknown>[]): Write[] {
  return ces.map((c) => {
    const w = toWrite({ pointer: 'event', id: String(c['id']), source: String(c['source']), type: String(c['type']), subject: String(c['subject']), data: c['data'], needsTextCheck: true }, 'event');
    if (Array.isArray(w)) throw new Error(w[0]!.detail);
    return w;
  });
}

interface TableSize {
  name: string;
  rows: number;
  total: number;
  heap: number;
  indexes: number;
}

export async function runSizeBench(): Promise<Row[]> {
  const db = await benchDatabase(WRITERS + 1);
  try {
    const writes = writesOf(Array.from({ length: RUNS }, (_, i) => pipelineRun(i)).flat());
    const batches = Array.from({ length: Math.ceil(writes.length / BATCH) }, (_, i) => writes.slice(i * BATCH, (i + 1) * BATCH));
    const lsn = async () => (await db.pool.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0]!.lsn;
    const before = await lsn();
    const writeSeconds = await timed(batches.length, WRITERS, async (i) => {
      await writeBatch(db.pool, batches[i]!);
    });
    const after = await lsn();
    const wal = Number((await db.pool.query<{ b: string }>({ text: 'select pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::int8 as b', values: [after, before] })).rows[0]!.b);
    // steady state: autovacuum has reclaimed the dead versions the series updates left
    await db.pool.query('vacuum analyze results, records, record_events');
    const sizes: TableSize[] = [];
    for (const name of ['results', 'records', 'record_events']) {
      // constant identifiers only; sizes by regclass
      const { rows } = await db.pool.query<{ rows: string; total: string; heap: string; indexes: string }>(
        `select (select count(*) from ${name})::int8 as rows, pg_total_relation_size('${name}')::int8 as total,
                pg_relation_size('${name}')::int8 as heap, pg_indexes_size('${name}')::int8 as indexes`,
      );
      const r = rows[0]!;
      sizes.push({ name, rows: Number(r.rows), total: Number(r.total), heap: Number(r.heap), indexes: Number(r.indexes) });
    }
    const [results, records, events] = sizes as [TableSize, TableSize, TableSize];
    const all = results.total + records.total + events.total;

    // retention: every Result past the cutoff, deleted by the cleanup's statement on one connection
    await db.pool.query(`update results set update_time = now() - interval '90 days'`);
    const cutoff = new Date(Date.now() - 30 * 86_400_000);
    let deletedEvents = 0;
    const start = process.hrtime.bigint();
    for (;;) {
      const batch = await deleteExpiredBatch(db.pool, cutoff, CLEANUP_BATCH);
      deletedEvents += batch.events;
      if (batch.results === 0) break;
    }
    const deleteSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    const writeRate = writes.length / writeSeconds;
    const deleteRate = deletedEvents / deleteSeconds;
    const kb = (b: number) => `${fmt(b / 1024, 1)} KiB`;
    return [
      { benchmark: `load: ${fmt(RUNS)} reference PipelineRuns, ${fmt(writes.length)} writes (${fmt(events.rows)} Events), batches of ${BATCH}, ${WRITERS} connections`, figure: `${fmt(writeSeconds, 1)} s, ${fmt(writeRate)} writes/s` },
      { benchmark: 'rows per PipelineRun: results · records · record_events', figure: `${fmt(results.rows / RUNS, 1)} · ${fmt(records.rows / RUNS, 1)} · ${fmt(events.rows / RUNS, 1)}` },
      { benchmark: 'bytes per Event (record_events: heap + TOAST + primary key)', figure: `${fmt(events.total / events.rows)} B (heap ${fmt(events.heap / events.rows)} B, indexes ${fmt(events.indexes / events.rows)} B)` },
      { benchmark: 'bytes per PipelineRun, all tables and indexes', figure: `${kb(all / RUNS)} (results ${kb(results.total / RUNS)}, records ${kb(records.total / RUNS)}, events ${kb(events.total / RUNS)})` },
      { benchmark: 'WAL written per Event write (full-page images included)', figure: `${fmt(wal / writes.length)} B` },
      { benchmark: `cleanup: delete every Result, ${CLEANUP_BATCH} a statement, 1 connection`, figure: `${fmt(deletedEvents)} Events in ${fmt(deleteSeconds, 1)} s, ${fmt(deleteRate)} events/s` },
      { benchmark: 'cleanup delete rate ÷ load write rate (1 cleanup connection vs 4 writing)', figure: fmt(deleteRate / writeRate, 2), target: '≥ 1: cleanup keeps up', met: deleteRate >= writeRate },
    ];
  } finally {
    await db.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printTable('Store size and retention', await runSizeBench());
}
