/**
 * `npm run soak`: the functions under attack for about two minutes, not part of `npm test`.
 *
 * The server runs in its own process (bench/ingestServer.ts) over a Postgres of its own (it is
 * stopped on purpose). Ingest runs at a steady offered rate the whole time, retrying 503s as
 * the forwarder does; between BEFORE and AFTER, for ATTACK seconds:
 *   - hostile filters: the nested-exists filter over a 2,000-item EventList (or, when it is
 *     refused with 400, an expensive accepted one), from clients that give up after 2 s;
 *   - slow bodies: authorised POSTs trickling one byte a second;
 *   - an unauthenticated flood: 1 MB bodies without a token, on many connections;
 *   - Postgres stopped (SIGSTOP of every process) for STOP seconds, then continued.
 * Printed: ingest events/s before/during/after, p99 of /healthz and of a cheap query during the
 * attack, the server's peak RSS, and acknowledged vs stored Events. Only 127.0.0.1.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { startThrowawayPostgres, postmasterPid } from '../shared/db/embedded.js';
import { createPool } from '../shared/db/pool.js';
import { migrate } from '../shared/db/migrate.js';
import { EVENT_TYPE } from '../shared/event.js';
import { fmt, printTable, type Row } from './harness.js';

const INGEST_TOKEN = 'soak-ingest-token-0123456789';
const QUERY_TOKEN = 'soak-query-token-0123456789';
const API = '/apis/results.tekton.dev/v1alpha2/parents';
/** SOAK_SCALE=0.5 halves every phase (a quicker look; the figures in docs are at 1). */
const SCALE = Number(process.env['SOAK_SCALE'] ?? 1);
const BEFORE_S = 20 * SCALE;
const ATTACK_S = 60 * SCALE;
const AFTER_S = 20 * SCALE;
const STOP_S = 5;
/** Offered ingest load: batches of BATCH every INTERVAL_MS. */
const BATCH = 50;
const INTERVAL_MS = 125;
const HOSTILE = 'data.items.exists(a, data.items.exists(b, data.items.exists(c, a.note == b.reason && b.note == c.reason)))';
/** Accepted but costly: a text search through every item of every list. */
const EXPENSIVE = 'data.items.exists(a, a.note.contains("no such text anywhere"))';

/** SOAK_ATTACKS=flood,slow,hostile,stop (the default: all) picks attacks, to see what each costs. */
const ATTACKS = new Set((process.env['SOAK_ATTACKS'] ?? 'flood,slow,hostile,stop').split(','));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const p99 = (xs: number[]) => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!);

function ce(ns: string, run: { kind: 'TaskRun'; name: string; uid: string }, i: number, note: string) {
  const uid = randomUUID();
  const t = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  return {
    specversion: '1.0',
    type: EVENT_TYPE,
    source: '/tekton-events/forwarder/soak',
    id: `${uid}/1`,
    subject: `namespaces/${ns}/taskruns/${run.name}`,
    time: t,
    datacontenttype: 'application/json',
    data: {
      event: {
        metadata: { name: `${run.name}-pod.${i.toString(16)}`, namespace: ns, uid, resourceVersion: String(1000 + i), creationTimestamp: t },
        regarding: { kind: 'Pod', name: `${run.name}-pod`, namespace: ns, apiVersion: 'v1', taskName: 'build' },
        reason: i % 2 ? 'Pulled' : 'Started',
        note,
        type: 'Normal',
        reportingController: 'kubelet',
      },
      run,
      pipelineRun: null,
    },
  };
}

async function post(url: string, body: string, token = INGEST_TOKEN): Promise<number> {
  try {
    const res = await fetch(`${url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${token}` }, body });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

async function timedGet(url: string, path: string, timeoutMs: number): Promise<{ status: number; ms: number }> {
  const start = performance.now();
  try {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${QUERY_TOKEN}` }, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - start };
  } catch {
    return { status: 0, ms: performance.now() - start };
  }
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function postgresPids(dataDir: string): Promise<number[]> {
  const pid = await postmasterPid(dataDir);
  if (!pid) return [];
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map(Number).filter((n) => n > 0);
  return [pid, ...children];
}

export async function runSoak(): Promise<Row[]> {
  const postgres = await startThrowawayPostgres('tekton-events-soak-');
  const setup = createPool(postgres.url, 1, { statementTimeoutMs: 0 });
  await migrate(setup);
  await setup.end();
  const server = spawn(process.execPath, ['--import', 'tsx', new URL('./ingestServer.ts', import.meta.url).pathname], {
    env: { ...process.env, DATABASE_URL: postgres.url, INGEST_TOKEN, QUERY_TOKEN, LOG_LEVEL: 'silent', PG_POOL_MAX: '4' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve) => createInterface({ input: server.stdout! }).once('line', resolve));
  const port = Number(new URL(url).port);
  let peakRss = 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssMb(server.pid!))), 200);
  const acknowledged = new Set<string>();
  try {
    // The hostile namespace: one EventList of 2,000 items.
    const big = { kind: 'TaskRun' as const, name: 'hostile-list', uid: randomUUID() };
    for (let b = 0; b < 4; b++) {
      const batch = Array.from({ length: 500 }, (_, i) => ce('hostile', big, b * 500 + i, `note ${b * 500 + i}`));
      if ((await post(url, JSON.stringify(batch))) !== 200) throw new Error('seeding the hostile list failed');
    }
    const probeFilter = await timedGet(url, `${API}/hostile/results/-/records?filter=${encodeURIComponent(HOSTILE)}`, 30_000);
    const filter = probeFilter.status === 400 ? EXPENSIVE : HOSTILE;

    const t0 = Date.now();
    const phaseOf = (t: number) => (t < t0 + BEFORE_S * 1000 ? 0 : t < t0 + (BEFORE_S + ATTACK_S) * 1000 ? 1 : 2);
    const end = t0 + (BEFORE_S + ATTACK_S + AFTER_S) * 1000;
    const attackStart = t0 + BEFORE_S * 1000;
    const attackEnd = attackStart + ATTACK_S * 1000;
    const ackedPerPhase = [0, 0, 0];

    // Steady ingest: a new batch every INTERVAL_MS, each retried on 503 until acknowledged or the run ends.
    let runN = 0;
    const inFlight = new Set<Promise<void>>();
    const ingestLoop = (async () => {
      for (let i = 0; Date.now() < end; i++) {
        const run = { kind: 'TaskRun' as const, name: `steady-${runN++}`, uid: randomUUID() };
        const events = Array.from({ length: BATCH }, (_, k) => ce('steady', run, i * BATCH + k, `steady ${k}`));
        const body = JSON.stringify(events);
        const job = (async () => {
          for (let attempt = 0; attempt < 60 && Date.now() < end + 30_000; attempt++) {
            const status = await post(url, body);
            if (status === 200) {
              for (const e of events) acknowledged.add((e.data.event.metadata as { uid: string }).uid);
              ackedPerPhase[phaseOf(Date.now())]! += BATCH;
              return;
            }
            await sleep(500);
          }
        })();
        inFlight.add(job);
        void job.finally(() => inFlight.delete(job));
        await sleep(INTERVAL_MS);
      }
    })();

    // Probes: /healthz every 100 ms from a worker thread of its own (bench/soakProbe.mjs), before
    // the attack (the machine's baseline) and during it; a cheap query every 200 ms.
    const healthMs: number[][] = [[], [], []];
    const cheapMs: number[] = [];
    const slowHealth: string[] = [];
    let rssBefore = 0;
    const prober = new Worker(new URL('./soakProbe.mjs', import.meta.url), { workerData: { url, from: attackStart, until: attackEnd, everyMs: 100 } });
    const probed = once(prober, 'message') as Promise<[{ before: number[]; during: number[] }]>;
    const probes = (async () => {
      while (Date.now() < attackStart) await sleep(50);
      rssBefore = rssMb(server.pid!);
      while (Date.now() < attackEnd) {
        const q = await timedGet(url, `${API}/steady/results?page_size=1`, 10_000);
        if (q.status === 200) cheapMs.push(q.ms);
        await sleep(200);
      }
      const [{ before, during }] = await probed;
      healthMs[0]!.push(...before);
      healthMs[1]!.push(...during);
      for (const [i, ms] of during.entries()) if (ms > 100) slowHealth.push(`#${i}:${Math.round(ms)}ms`);
      await prober.terminate();
    })();

    // The attack.
    while (Date.now() < attackStart) await sleep(50);
    const worker = new Worker(new URL('./soakAttack.mjs', import.meta.url), { workerData: { port, token: INGEST_TOKEN, until: attackEnd, floodConnections: ATTACKS.has('flood') ? 100 : 0, slowConnections: ATTACKS.has('slow') ? 50 : 0 } });
    const attackStats = once(worker, 'message') as Promise<[Record<string, Record<string, number>>]>;
    const hostileStatus = new Map<number, number>();
    const hostile = Promise.all(
      Array.from({ length: ATTACKS.has('hostile') ? 4 : 0 }, async () => {
        while (Date.now() < attackEnd) {
          const r = await timedGet(url, `${API}/-/results/-/records?page_size=100&filter=${encodeURIComponent(filter)}`, 2_000);
          hostileStatus.set(r.status, (hostileStatus.get(r.status) ?? 0) + 1);
        }
      }),
    );
    // Cancelled when their clients give up: no query statement may run past the 2 s those wait.
    let overdue = 0;
    let stopped = false;
    const watcher = new pg.Client({ connectionString: postgres.url, query_timeout: 1_000 });
    await watcher.connect();
    watcher.on('error', () => undefined);
    const watching = (async () => {
      while (Date.now() < attackEnd) {
        if (!stopped) {
          const r = await watcher
            .query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where application_name = 'tekton-events query' and state = 'active' and now() - query_start > interval '3 seconds'`)
            .catch(() => undefined);
          overdue = Math.max(overdue, r?.rows[0]?.n ?? 0);
        }
        await sleep(500);
      }
    })();
    await sleep((ATTACK_S * 1000) / 2);
    stopped = true;
    const pids = ATTACKS.has('stop') ? await postgresPids(postgres.dataDir) : [];
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      await sleep(STOP_S * 1000);
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
      // What ran before the stop may finish late; give the cancels a moment before watching again.
      setTimeout(() => (stopped = false), 3_000).unref();
    }
    await Promise.all([hostile, probes, ingestLoop, watching]);
    await watcher.end().catch(() => undefined);
    const [stats] = await attackStats;
    await worker.terminate();
    await Promise.all([...inFlight]);

    const check = new pg.Client({ connectionString: postgres.url });
    await check.connect();
    const { rows } = await check.query<{ uid: string }>(`select event->'metadata'->>'uid' as uid from record_events e join records r on r.id = e.record_id where r.parent = 'steady'`);
    await check.end();
    const stored = new Set(rows.map((r) => r.uid));
    if (process.env['SOAK_DEBUG']) process.stdout.write(`slow /healthz probes (time into the attack: latency): ${slowHealth.join(' ')}\n`);
    const lost = [...acknowledged].filter((u) => !stored.has(u)).length;

    const rate = (n: number, s: number) => n / s;
    const before = rate(ackedPerPhase[0]!, BEFORE_S);
    const during = rate(ackedPerPhase[1]!, ATTACK_S);
    const after = rate(ackedPerPhase[2]!, AFTER_S);
    const offered = (BATCH * 1000) / INTERVAL_MS;
    const hp99 = p99(healthMs[1]!);
    const statuses = [...hostileStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s === 0 ? 'gave up' : s}: ${n}`).join(', ');
    return [
      { benchmark: 'ingest before the attack (offered ' + fmt(offered) + ' events/s)', figure: `${fmt(before)} events/s` },
      { benchmark: 'ingest during the attack (Postgres stopped ' + STOP_S + ' s of it)', figure: `${fmt(during)} events/s = ${fmt((100 * during) / before)} % of before`, target: '≥ 50 % of before', met: during >= before / 2 },
      { benchmark: 'ingest after the attack', figure: `${fmt(after)} events/s` },
      { benchmark: '/healthz p99 before the attack (the machine\'s baseline)', figure: `${fmt(p99(healthMs[0]!), 1)} ms (${healthMs[0]!.length} probes)` },
      { benchmark: '/healthz p99 during the attack', figure: `${fmt(hp99, 1)} ms (${healthMs[1]!.length} probes)`, target: '< 100 ms', met: hp99 < 100 },
      { benchmark: 'cheap query p99 during the attack (answered ones)', figure: `${fmt(p99(cheapMs), 1)} ms (${cheapMs.length} answered)` },
      { benchmark: 'server peak RSS (RSS before the attack)', figure: `${fmt(peakRss)} MB (${fmt(rssBefore)} MB)`, target: '< 300 MB', met: peakRss < 300 },
      { benchmark: 'Events acknowledged / stored / lost', figure: `${acknowledged.size} / ${stored.size} / ${lost}`, target: '0 lost', met: lost === 0 },
      { benchmark: `hostile queries (${filter === HOSTILE ? 'nested exists' : 'nested exists refused (400); an expensive accepted filter'})`, figure: statuses },
      { benchmark: 'query statements still running 1 s after their client gave up (most at once)', figure: String(overdue), target: '0', met: overdue === 0 },
      { benchmark: 'unauthenticated 1 MB POSTs (100 connections)', figure: `${stats.flood!['requests']} sent, ${stats.flood!['refused401']} answered 401` },
      { benchmark: 'trickled bodies (50 connections)', figure: `${stats.slow!['connections']} opened, ${stats.slow!['answered408']} answered 408` },
    ];
  } finally {
    clearInterval(rssTimer);
    server.kill('SIGTERM');
    await once(server, 'exit').catch(() => undefined);
    await postgres.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env['LOG_LEVEL'] ??= 'silent';
  printTable('Soak: ingest under attack', await runSoak());
}
