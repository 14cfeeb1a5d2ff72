/**
 * Read path at a million Events (`npm run bench -- read`): 10,000 PipelineRuns × 5 TaskRuns ×
 * 20 Events in 10 namespaces, loaded through the ingest function over HTTP, then p50/p99 over
 * HTTP of the calls in CASES (one client, one request at a time), with the EXPLAIN plans of the
 * timeline's queries and of the filtered record lists, and ingest throughput with
 * and without the read path's indexes (sql/000020.sql) in alternating rounds.
 *
 * The loaded database is kept (embedded Postgres under .data/bench-readpath, or DATABASE_URL's
 * server) under a name derived from the migrations and the data set, so a rerun skips the load;
 * BENCH_RELOAD=1 loads again. Add a case by adding a line to CASES.
 */
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from '../shared/db/embedded.js';
import { createPool } from '../shared/db/pool.js';
import { loadMigrations, migrate } from '../shared/db/migrate.js';
import { EVENT_TYPE, type StoredEvent } from '../shared/event.js';
import { eventListRecordId } from '../shared/names.js';
import { compileFilter } from '../shared/filter/sql.js';
import { listRecordHeads } from '../shared/store/queryRecords.js';
import { readTimeline } from '../shared/store/runTimeline.js';
import { LoadWorker, startChild, TOKEN } from './ingestLoad.js';
import { fmt, printTable, type Row } from './harness.js';

/** BENCH_READ_PIPELINE_RUNS makes a smaller data set for a quick try; the figures are for 10,000. */
const PIPELINE_RUNS = Number(process.env['BENCH_READ_PIPELINE_RUNS'] ?? 10_000);
const TASKS = ['fetch', 'build', 'test', 'scan', 'push'] as const;
const EVENTS_PER_TASKRUN = 20;
const NAMESPACES = 10;
/** Events in a row per TaskRun in the stream, as a pod emits them; a batch of 100 spans 10 TaskRuns. */
const BURST = 10;
const BATCH = 100;
/** HTTP clients sending the batches (as many as the forwarder replicas a cluster this size might run). */
const LOAD_CLIENTS = 16;
/** A TaskRun in COMMON_EVERY is scheduled late (FailedScheduling); one in RARE_EVERY is OOM-killed. */
const COMMON_EVERY = 3;
const RARE_EVERY = 2_000;
const DATASET = `v1:${PIPELINE_RUNS}x${TASKS.length}x${EVENTS_PER_TASKRUN}/${NAMESPACES}/${COMMON_EVERY}/${RARE_EVERY}`;
const SAMPLES = 400;
/** Ingest comparison: rounds of this many TaskRuns (20 Events each) into each database. */
const INGEST_ROUNDS = 10;
const INGEST_PER_ROUND = 500;
const TARGET_MS = 20;
const API = '/apis/results.tekton.dev/v1alpha2/parents';
const RARE_FILTER = 'data.items.exists(i, i.reason == "OOMKilling")';
const COMMON_FILTER = 'data.items.exists(i, i.reason == "FailedScheduling")';
const LIFECYCLE_FILTER = 'data.items.exists(i, i.reason == "Started")';

/** Deterministic uuid-shaped ids, so a reloaded data set names the same runs. */
const uid = (kind: string, n: number): string => {
  const h = createHash('md5').update(`${kind}/${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const ns = (pr: number) => `ns-${pr % NAMESPACES}`;

const STEPS = ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started'];

function reasons(tr: number): string[] {
  const out: string[] = [];
  if (tr % COMMON_EVERY === 0) out.push('FailedScheduling', 'FailedScheduling');
  while (out.length < EVENTS_PER_TASKRUN - 2) out.push(STEPS[out.length % STEPS.length]!);
  out.push(tr % RARE_EVERY === RARE_EVERY - 1 ? 'OOMKilling' : 'Killing', 'Completed');
  return out;
}

/** The CloudEvent of the k-th Event of TaskRun tr (pr = tr / 5). */
function cloudEvent(tr: number, k: number): Record<string, unknown> {
  const pr = Math.floor(tr / TASKS.length);
  const task = TASKS[tr % TASKS.length]!;
  const reason = reasons(tr)[k]!;
  const t = new Date(Date.UTC(2026, 0, 1) + pr * 60_000 + k * 1000).toISOString();
  const namespace = ns(pr);
  const pod = `pr-${pr}-${task}-pod`;
  const e: StoredEvent = {
    metadata: { name: `${pod}.${k.toString(16).padStart(16, '0')}`, namespace, uid: uid('event', tr * EVENTS_PER_TASKRUN + k), resourceVersion: String(1000 + k), creationTimestamp: t },
    regarding: { kind: 'Pod', name: pod, namespace, uid: uid('pod', tr), apiVersion: 'v1', fieldPath: `spec.containers{step-${task}}`, taskName: task },
    reason,
    note: reason === 'FailedScheduling' ? '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available.' : `${reason} step-${task} in pod ${pod}`,
    type: /Failed|OOM/.test(reason) ? 'Warning' : 'Normal',
    reportingController: 'kubelet',
    reportingInstance: 'node-1',
    eventTime: null,
    deprecatedFirstTimestamp: t,
    deprecatedLastTimestamp: t,
    deprecatedCount: 1,
  };
  const run = { kind: 'TaskRun', name: `pr-${pr}-${task}`, uid: uid('taskrun', tr) };
  return {
    specversion: '1.0',
    type: EVENT_TYPE,
    source: '/tekton-events/forwarder/bench',
    id: `${e.metadata.uid}/${e.metadata.resourceVersion}`,
    subject: `namespaces/${namespace}/taskruns/${run.name}`,
    time: t,
    datacontenttype: 'application/json',
    data: { event: e, run, pipelineRun: { name: `pr-${pr}`, uid: uid('pipelinerun', pr) } },
  };
}

/** Batch bodies for TaskRuns [from, to): BURST Events of each of BATCH/BURST TaskRuns at a time. */
function batches(from: number, to: number): string[] {
  const out: string[] = [];
  const group = BATCH / BURST;
  for (let g = from; g < to; g += group) {
    for (let k = 0; k < EVENTS_PER_TASKRUN; k += BURST) {
      const events: Record<string, unknown>[] = [];
      for (let tr = g; tr < Math.min(g + group, to); tr++) for (let j = k; j < k + BURST; j++) events.push(cloudEvent(tr, j));
      out.push(JSON.stringify(events));
    }
  }
  return out;
}

/** Sends the TaskRuns [from, to) through the ingest function at `url`; returns seconds. */
async function ingest(url: string, from: number, to: number, chunk = 5_000): Promise<number> {
  let secs = 0;
  for (let c = from; c < to; c += chunk) {
    const bodies = batches(c, Math.min(c + chunk, to));
    const load = new LoadWorker(bodies, true);
    try {
      secs += (await load.run(`${url}/ingest`, 0, bodies.length, LOAD_CLIENTS)).seconds;
    } finally {
      await load.close();
    }
  }
  return secs;
}

async function withServer<T>(dbUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const server = await startChild('./ingestServer.ts', { DATABASE_URL: dbUrl, INGEST_TOKEN: TOKEN, QUERY_TOKEN: TOKEN, PG_POOL_MAX: '4' });
  try {
    return await fn(server.url);
  } finally {
    await server.stop();
  }
}

function dbUrl(base: string, name: string): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

/** The loaded database: reused when its name (migrations + data set) exists and is complete. */
async function loadedDatabase(admin: pg.Client, base: string): Promise<{ url: string; loadRate: number | null }> {
  const migrations = await loadMigrations();
  const hash = createHash('sha256').update(DATASET).update(migrations.map((m) => m.sql).join('\n')).digest('hex').slice(0, 12);
  const name = `bench_read_${hash}`; // generated, never input
  const url = dbUrl(base, name);
  const exists = (await admin.query({ text: 'select 1 from pg_database where datname = $1', values: [name] })).rowCount === 1;
  if (exists && process.env['BENCH_RELOAD'] !== '1') {
    const pool = createPool(url, 1);
    const done = await pool.query(`select 1 from settings where key = 'bench_loaded'`).then((r) => r.rowCount === 1, () => false);
    await pool.end();
    if (done) return { url, loadRate: null };
  }
  if (exists) await admin.query(`drop database ${name} with (force)`);
  await admin.query(`create database ${name}`);
  const pool = createPool(url, 2);
  await migrate(pool);
  const taskRuns = PIPELINE_RUNS * TASKS.length;
  process.stderr.write(`loading ${fmt(taskRuns * EVENTS_PER_TASKRUN)} Events through the ingest function…\n`);
  const secs = await withServer(url, (srv) => ingest(srv, 0, taskRuns));
  // What autovacuum does soon after a bulk load: statistics and the visibility map.
  await pool.query('vacuum (analyze) record_events, records, results');
  await pool.query(`insert into settings (key, value) values ('bench_loaded', now()::text)`);
  await pool.end();
  return { url, loadRate: (taskRuns * EVENTS_PER_TASKRUN) / secs };
}

/**
 * p50/p99 in ms of each case's GET over HTTP, one request at a time. The cases take turns, so a
 * moment when the shared machine is slow weighs on all of them alike.
 */
async function latencies(url: string, cases: typeof CASES): Promise<{ p50: number; p99: number }[]> {
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
  for (let i = 0; i < 20; i++) for (const c of cases) await get(c.path(i));
  const ms = cases.map(() => [] as number[]);
  for (let i = 0; i < SAMPLES; i++) {
    for (const [k, c] of cases.entries()) {
      const t = process.hrtime.bigint();
      await get(c.path(i));
      ms[k]!.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  return ms.map((m) => {
    m.sort((a, b) => a - b);
    return { p50: m[Math.floor(m.length * 0.5)]!, p99: m[Math.floor(m.length * 0.99)]! };
  });
}

/** A PipelineRun's result and its build TaskRun's EventList, spread over the data set. */
const somePr = (i: number) => (i * 7_919) % PIPELINE_RUNS;
const resultPath = (pr: number) => `${API}/${ns(pr)}/results/${uid('pipelinerun', pr)}`;
const recordPath = (pr: number) => `${resultPath(pr)}/records/${eventListRecordId(uid('pipelinerun', pr), uid('taskrun', pr * TASKS.length + 1))}`;
const q = encodeURIComponent;

/** The read calls measured; each is one line, `path` given the sample number. */
export const CASES: { name: string; path: (i: number) => string }[] = [
  { name: '(a) PipelineRun timeline (5 TaskRuns, 100 Events, diagnosis)', path: (i) => `/v1/namespaces/${ns(somePr(i))}/pipelineruns/pr-${somePr(i)}/timeline` },
  { name: '(b) /ui run page of the same PipelineRun (HTML)', path: (i) => `/ui/namespaces/${ns(somePr(i))}/pipelineruns/pr-${somePr(i)}` },
  { name: '(c) records page of 50, exists on a rare reason, all namespaces', path: () => `${API}/-/results/-/records?filter=${q(RARE_FILTER)}` },
  { name: '(d) records page of 50, exists on a common reason, one namespace', path: () => `${API}/ns-3/results/-/records?filter=${q(COMMON_FILTER)}` },
  { name: '    the same on a lifecycle reason every run has (not in the reason index)', path: () => `${API}/ns-3/results/-/records?filter=${q(LIFECYCLE_FILTER)}` },
  { name: '(e) get record', path: (i) => recordPath(somePr(i)) },
  { name: 'list results, one namespace, page of 50', path: () => `${API}/ns-3/results` },
  { name: 'records of one result', path: (i) => `${resultPath(somePr(i))}/records` },
];

/** EXPLAIN (ANALYZE, BUFFERS) of a records page query (the filtered heads; items are read after), run by the store's own code. */
async function explainRecords(pool: pg.Pool, namespaces: string[] | null, filter: string): Promise<string> {
  let plan = '';
  const explaining = {
    query: async (cfg: { text: string; values: unknown[] }) => {
      const { rows } = await pool.query<{ 'QUERY PLAN': string }>({ text: `explain (analyze, buffers) ${cfg.text}`, values: cfg.values });
      plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      return { rows: [] };
    },
  } as unknown as pg.Pool;
  await listRecordHeads(explaining, { resultName: null }, { namespaces, filter: compileFilter(filter, 'records'), order: { column: 'create_time', direction: 'asc' }, cursor: null, pageSize: 50 });
  return plan;
}

/** EXPLAIN (ANALYZE, BUFFERS) of every query a PipelineRun timeline makes, run by the read model itself. */
async function explainTimeline(pool: pg.Pool, pr: number): Promise<string> {
  const plans: string[] = [];
  const explaining = {
    query: async (cfg: { text: string; values: unknown[] }) => {
      const { rows } = await pool.query<{ 'QUERY PLAN': string }>({ text: `explain (analyze, buffers) ${cfg.text}`, values: cfg.values });
      plans.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
      return pool.query(cfg);
    },
  } as unknown as pg.Pool;
  await readTimeline(explaining, { namespace: ns(pr), kind: 'PipelineRun', name: `pr-${pr}` });
  return plans.join('\n\n');
}

/**
 * Ingest into a fresh database with and without the read indexes, in rounds that alternate
 * which goes first (A B, B A, …); the ratio is the median of the rounds' ratios, so the
 * machine's drift from minute to minute cancels out.
 */
async function ingestWithAndWithout(admin: pg.Client, base: string): Promise<{ withIdx: number; without: number; ratio: number }> {
  const names = ['bench_read_ingest_with', 'bench_read_ingest_without'];
  const urls: string[] = [];
  for (const name of names) {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    const url = dbUrl(base, name);
    const pool = createPool(url, 1);
    await migrate(pool);
    if (name.endsWith('without')) await pool.query('drop index record_events_reason; drop index records_parent_create_time');
    await pool.end();
    urls.push(url);
  }
  const secs = [0, 0];
  const ratios: number[] = [];
  await withServer(urls[0]!, (a) =>
    withServer(urls[1]!, async (b) => {
      for (let r = 0; r < INGEST_ROUNDS; r++) {
        const round = [0, 0];
        for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) round[i] = await ingest([a, b][i]!, r * INGEST_PER_ROUND, (r + 1) * INGEST_PER_ROUND);
        secs[0]! += round[0]!;
        secs[1]! += round[1]!;
        ratios.push(round[1]! / round[0]!);
      }
    }),
  );
  for (const name of names) await admin.query(`drop database ${name} with (force)`);
  const events = INGEST_ROUNDS * INGEST_PER_ROUND * EVENTS_PER_TASKRUN;
  ratios.sort((x, y) => x - y);
  return { withIdx: events / secs[0]!, without: events / secs[1]!, ratio: ratios[Math.floor(ratios.length / 2)]! };
}

export async function runReadPathBench(): Promise<{ rows: Row[]; plans: string }> {
  let base = process.env['DATABASE_URL'];
  let stop = async (): Promise<void> => undefined;
  if (!base) {
    const server = await startEmbeddedPostgres({ dataDir: fileURLToPath(new URL('../.data/bench-readpath', import.meta.url)), persistent: true });
    base = server.url;
    stop = () => server.stop();
  }
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const rows: Row[] = [];
  let plans = '';
  try {
    const { url, loadRate } = await loadedDatabase(admin, base);
    const pool = createPool(url, 2);
    const { rows: counts } = await pool.query<{ events: string; records: string }>('select (select count(*) from record_events) as events, (select count(*) from records) as records');
    rows.push({ benchmark: 'data set', figure: `${fmt(Number(counts[0]!.events))} Events in ${fmt(Number(counts[0]!.records))} EventLists, ${NAMESPACES} namespaces` });
    if (loadRate !== null) rows.push({ benchmark: 'load of the data set through the ingest function (batches of 100, 16 clients)', figure: `${fmt(loadRate)} events/s` });
    const load = [loadavg()[0]!];
    await withServer(url, async (srv) => {
      const figures = await latencies(srv, CASES);
      for (const [k, c] of CASES.entries()) {
        const { p50, p99 } = figures[k]!;
        rows.push({ benchmark: `${c.name}: p50 · p99`, figure: `${fmt(p50, 1)} · ${fmt(p99, 1)} ms`, target: `p99 < ${TARGET_MS} ms`, met: p99 < TARGET_MS });
      }
    });
    load.push(loadavg()[0]!);
    const rare = await explainRecords(pool, null, RARE_FILTER);
    const common = await explainRecords(pool, ['ns-3'], COMMON_FILTER);
    const timeline = await explainTimeline(pool, somePr(1));
    const exec = (plan: string) => /Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? '?';
    rows.push({ benchmark: '    (a) · (c) · (d) in Postgres alone (EXPLAIN ANALYZE execution time)', figure: `${exec(timeline)} · ${exec(rare)} · ${exec(common)} ms` });
    rows.push({ benchmark: '    machine load average (1 min) before · after the HTTP samples, 2 cores', figure: load.map((l) => fmt(l, 1)).join(' · ') });
    plans = `(a) timeline of pr-${somePr(1)}\n${timeline}\n\n(c) ${RARE_FILTER}, all namespaces\n${rare}\n\n(d) ${COMMON_FILTER}, ns-3\n${common}`;
    await pool.end();
    const { withIdx, without, ratio } = await ingestWithAndWithout(admin, base);
    const events = fmt(INGEST_PER_ROUND * EVENTS_PER_TASKRUN);
    rows.push({ benchmark: `ingest, fresh database, without the read indexes (${INGEST_ROUNDS} rounds of ${events} Events)`, figure: `${fmt(without)} events/s` });
    rows.push({ benchmark: 'ingest, fresh database, with them (rounds alternating which goes first)', figure: `${fmt(withIdx)} events/s` });
    rows.push({ benchmark: 'ingest with ÷ without (median of the rounds)', figure: `${fmt(ratio * 100, 1)} %`, target: '≥ 95 % (no worse, within noise)', met: ratio >= 0.95 });
  } finally {
    await admin.end();
    await stop();
  }
  return { rows, plans };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { rows, plans } = await runReadPathBench();
  process.stdout.write(`${plans}\n`);
  printTable('Read path at a million Events', rows);
}
