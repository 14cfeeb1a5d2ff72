/**
 * Store benchmarks (issue #2):
 *  (a) end-to-end ingest over HTTP: single events from 16 concurrent clients, and batches of 100;
 *  (b) the ceiling: the same events written by plain multi-row INSERTs with pg;
 *  (c) appends into EventLists already 1,000 items long, divided by appends into empty ones.
 * The functions server runs in its own process (bench/ingestServer.ts), as it is deployed; the
 * HTTP clients run in a worker thread (bench/httpLoad.mjs). Server, clients and Postgres share
 * this machine's cores, so every CPU-second any of them spends is one the others lack.
 *
 * (a) and (b) are measured in alternating rounds: this machine's speed drifts by tens of percent
 * from minute to minute (shared virtual cores), and a drift then weighs on both alike. (b) runs
 * with the server's number of connections and with one per client; the faster is the ceiling.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { writeBatch } from '../shared/store/writeBatch.js';
import { EVENT_TYPE, type StoredEvent } from '../shared/event.js';
import { toWrite } from '../functions/ingest/toWrites.js';
import type { Write } from '../shared/store/types.js';
import { benchDatabase, fmt, printTable, timed, type Row } from './harness.js';

export const TOKEN = 'bench-ingest-token-0123456789';
const CONCURRENCY = 16;
/**
 * The server's database connections (PG_POOL_MAX). Postgres here has 2 cores: past ~2 busy
 * connections per core, more only add lock and scheduler contention (measured: Postgres CPU
 * per event 30-40 % higher with 16 than with 4).
 */
const SERVER_POOL = 4;
/** The ceiling is the faster of these connection counts, so (b) is plain INSERT at its best. */
const CEILING_CONNECTIONS = [SERVER_POOL, CONCURRENCY];
/** Events per TaskRun in a row (see workload). */
const BURST = 10;
/** Alternating rounds of (a) batched and (b). */
const ROUNDS = 5;

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

/** The bodies laid end to end in shared memory: the worker reads them without a copy. */
function sharedBodies(bodies: string[]): { shared: SharedArrayBuffer; offsets: number[] } {
  const encoded = bodies.map((b) => Buffer.from(b));
  const offsets = [0];
  for (const e of encoded) offsets.push(offsets.at(-1)! + e.length);
  const shared = new SharedArrayBuffer(offsets.at(-1)!);
  const view = Buffer.from(shared);
  encoded.forEach((e, i) => e.copy(view, offsets[i]));
  return { shared, offsets };
}

/** HTTP clients in a worker thread (bench/httpLoad.mjs), holding `bodies` for all their runs. */
export class LoadWorker {
  private readonly worker: Worker;

  constructor(url: string, bodies: string[], batch: boolean) {
    this.worker = new Worker(new URL('./httpLoad.mjs', import.meta.url), {
      workerData: {
        url: `${url}/ingest`,
        token: TOKEN,
        contentType: batch ? 'application/cloudevents-batch+json' : 'application/cloudevents+json',
        ...sharedBodies(bodies),
      },
    });
  }

  /** Sends bodies [from, to) with `concurrency` clients; resolves with the seconds it took. */
  run(from: number, to: number, concurrency = CONCURRENCY): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.worker.once('error', onError);
      this.worker.once('message', (m: { seconds?: number; error?: string }) => {
        this.worker.off('error', onError);
        if (m.error !== undefined) reject(new Error(m.error));
        else resolve(m.seconds!);
      });
      this.worker.postMessage({ from, to, concurrency });
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
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

/** Starts bench/ingestServer.ts in a child process; resolves with it and its URL. */
export async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./ingestServer.ts', import.meta.url))], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await Promise.race([
    once(lines, 'line').then(([l]) => String(l)),
    once(child, 'exit').then(([code]) => Promise.reject(new Error(`the bench server exited with ${String(code)} before listening`))),
  ]);
  return { child, url: first.trim() };
}

/** CPU-seconds so far: the whole machine, the server process, and this process (clients and ceiling). Linux only. */
interface CpuSample {
  machine: number;
  server: number;
  bench: number;
}

function cpuSample(serverPid: number): CpuSample | undefined {
  try {
    // /proc/stat: user nice system idle iowait irq softirq, in clock ticks (USER_HZ = 100).
    const t = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const machine = (t[0]! + t[1]! + t[2]! + t[5]! + t[6]!) / 100;
    // /proc/<pid>/stat after the command name: field 14 utime, 15 stime.
    const f = readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const server = (Number(f[11]) + Number(f[12])) / 100;
    const u = process.cpuUsage();
    return { machine, server, bench: (u.user + u.system) / 1e6 };
  } catch {
    return undefined;
  }
}

/** Adds the CPU spent between two samples to `into`. */
function addCpu(into: CpuSample, from: CpuSample | undefined, to: CpuSample | undefined): void {
  if (!from || !to) return;
  into.machine += to.machine - from.machine;
  into.server += to.server - from.server;
  into.bench += to.bench - from.bench;
}

/** "server 6.1 · clients 1.2 · Postgres and the rest 8.0" ms of CPU per 100 events. */
function cpuFigure(c: CpuSample, batches: number, serverLabel: string, benchLabel: string): string {
  const ms = (s: number) => fmt((s * 1000) / batches, 1);
  const parts = [c.server > 0.05 * c.machine ? `${serverLabel} ${ms(c.server)}` : '', `${benchLabel} ${ms(c.bench)}`, `Postgres and the rest ${ms(c.machine - c.server - c.bench)}`];
  return `${parts.filter(Boolean).join(' · ')} (total ${ms(c.machine)})`;
}

/** The ceiling's statement for 100 writes: one plain multi-row INSERT. */
function ceilingInsert(table: string, chunk: Extract<Write, { kind: 'event' }>[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples = chunk.map((w, j) => {
    values.push(w.list.recordId, w.key, w.seriesCount, w.lastSeen, w.resourceVersion, w.firstSeen, w.reason, w.type, JSON.stringify(w.event));
    const o = j * 9;
    return `($${o + 1}::uuid, $${o + 2}, $${o + 3}::int8, $${o + 4}::timestamptz, $${o + 5}::numeric, $${o + 6}::timestamptz, $${o + 7}, $${o + 8}, $${o + 9}::json)`;
  });
  return {
    text: `insert into ${table} (record_id, event_key, series_count, last_seen, resource_version, first_seen, reason, type, event)
           values ${tuples.join(', ')}`,
    values,
  };
}

export async function runIngestBench(): Promise<Row[]> {
  const rows: Row[] = [];
  const db = await benchDatabase(CONCURRENCY);
  const { child, url } = await startServer({ DATABASE_URL: db.url, INGEST_TOKEN: TOKEN, QUERY_TOKEN: TOKEN, PG_POOL_MAX: String(SERVER_POOL) });
  try {
    // Warm up connections and JIT.
    const warm = workload(2_000, 50);
    await timed(20, 4, (i) => post(url, JSON.stringify(warm.slice(i * 100, i * 100 + 100)), true));

    const singles = workload(20_000, 400).map((c) => JSON.stringify(c));
    const singleLoad = new LoadWorker(url, singles, false);
    const singleSecs = await singleLoad.run(0, singles.length).finally(() => singleLoad.close());
    const singleRate = singles.length / singleSecs;
    rows.push({ benchmark: `(a) ingest over HTTP, single events, ${CONCURRENCY} clients`, figure: `${fmt(singleRate)} events/s` });

    // (a) batched and (b) the ceiling, in alternating rounds over the same events. The first
    // round of (a) also creates the 2,000 EventLists (and their 500 results) on first sight.
    // The ceiling writes the same rows into a table shaped like record_events (same columns and
    // indexes), one plain multi-row INSERT per 100: no HTTP, no validation, no upsert, no lists.
    const batchEvents = workload(100_000, 2_000, BURST);
    const batches = Array.from({ length: batchEvents.length / 100 }, (_, i) => JSON.stringify(batchEvents.slice(i * 100, i * 100 + 100)));
    const writes = writesOf(batchEvents) as Extract<Write, { kind: 'event' }>[];
    const batchLoad = new LoadWorker(url, batches, true);
    const perRound = batches.length / ROUNDS;
    let batchSecs = 0;
    const batchCpu: CpuSample = { machine: 0, server: 0, bench: 0 };
    const ceilings = CEILING_CONNECTIONS.map((connections) => ({ connections, table: `ceiling_${connections}`, secs: 0, cpu: { machine: 0, server: 0, bench: 0 } }));
    for (const c of ceilings) await db.pool.query(`create table ${c.table} (like record_events including defaults including indexes)`);
    for (let r = 0; r < ROUNDS; r++) {
      let before = cpuSample(child.pid!);
      batchSecs += await batchLoad.run(r * perRound, (r + 1) * perRound);
      let after = cpuSample(child.pid!);
      addCpu(batchCpu, before, after);
      for (const c of ceilings) {
        before = after;
        c.secs += await timed(perRound, c.connections, async (i) => {
          const b = r * perRound + i;
          await db.pool.query(ceilingInsert(c.table, writes.slice(b * 100, b * 100 + 100)));
        });
        after = cpuSample(child.pid!);
        addCpu(c.cpu, before, after);
      }
    }
    await batchLoad.close();
    const batchRate = batchEvents.length / batchSecs;
    const ceiling = ceilings.reduce((best, c) => (c.secs < best.secs ? c : best));
    const ceilRate = writes.length / ceiling.secs;
    const ratio = batchRate / ceilRate;
    rows.push({
      benchmark: `(a) ingest over HTTP, batches of 100 (${100 / BURST} TaskRuns each), ${CONCURRENCY} clients, ${SERVER_POOL} connections`,
      figure: `${fmt(batchRate)} events/s`,
    });
    for (const c of ceilings) {
      rows.push({
        benchmark: `(b) plain multi-row INSERT with pg, 100 rows, ${c.connections} connections${c === ceiling ? ': the ceiling' : ''}`,
        figure: `${fmt(writes.length / c.secs)} events/s`,
      });
    }
    rows.push({ benchmark: '(a) batched ÷ (b) ceiling', figure: `${fmt(ratio * 100, 1)} %`, target: '≥ 50 %', met: ratio >= 0.5 });
    if (batchCpu.machine > 0) {
      rows.push({ benchmark: '    CPU ms per 100 events, (a) batched', figure: cpuFigure(batchCpu, batches.length, 'server', 'clients') });
      rows.push({ benchmark: '    CPU ms per 100 events, (b) ceiling', figure: cpuFigure(ceiling.cpu, batches.length, 'server', 'pg client') });
    }

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
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await db.close();
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printTable('Event store (issue #2)', await runIngestBench());
}
