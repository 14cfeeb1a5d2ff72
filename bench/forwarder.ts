/**
 * Forwarder benchmarks (issue #3), with the forwarder as its own process (`forwarder/main.ts`,
 * as `npm run forwarder` runs it, under tsx) so its memory is measured alone:
 *  (a) freshness: from an Event created in the fake API server to the query API returning it,
 *      p50/p99 over 10,000 Events created at a steady ~1,000/s, default batch size and flush
 *      interval. A poller asks the query API for records updated since its last look, all the
 *      time; the figure includes its polling period (one query's duration);
 *  (b) peak RSS (VmHWM) of the forwarder process while 100,000 more Events stream through its
 *      watch, and the events/s it sustains into the ingest function meanwhile (creation start to
 *      the last Event committed).
 * The fake API server, the ingest and query functions and Postgres share the bench process and
 * this machine's cores with the forwarder, so (b) is a floor, not the forwarder's ceiling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildFunctions } from '../functions/runtime.js';
import { listen, routeAll } from '../functions/server.js';
import { loadConfig } from '../shared/config.js';
import { startFakeKube, type FakeKube } from '../test/fakeKube/server.js';
import { eventV1, pod, taskRun } from '../test/fakeKube/fixtures.js';
import { benchDatabase, fmt, printTable, type Row } from './harness.js';

const INGEST = 'bench-ingest-token-0123456789';
const QUERY = 'bench-query-token-0123456789';
const NS = 'bench';
const FRESHNESS_EVENTS = 10_000;
const RSS_EVENTS = 100_000;
/** Events per TaskRun: a run's Events come in a burst, as in a cluster. */
const PER_RUN = 10;

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

interface Child {
  proc: ChildProcess;
  port: number;
  exit: Promise<number | null>;
}

async function spawnForwarder(env: Record<string, string>): Promise<Child> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const proc = spawn(process.execPath, ['--import', 'tsx', 'forwarder/main.ts', '--port=0'], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exit = new Promise<number | null>((resolve) => proc.on('exit', resolve));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface(proc.stdout!).on('line', (line) => {
      try {
        const log = JSON.parse(line) as { message?: string; port?: number; level?: string };
        if (log.message === 'forwarder health and metrics server listening') resolve(Number(log.port));
        else if (log.level === 'warn' || log.level === 'error') process.stderr.write(`forwarder: ${line}\n`);
      } catch {
        // not a log line
      }
    });
    void exit.then((code) => reject(new Error(`the forwarder exited (${code}) before listening`)));
  });
  return { proc, port, exit };
}

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** Standalone TaskRuns with their Pods, `runs` of them. */
function makeRuns(kube: FakeKube, prefix: string, runs: number): Obj[] {
  const pods: Obj[] = [];
  for (let i = 0; i < runs; i++) {
    const tr = kube.create('taskruns', taskRun(NS, `${prefix}-${i}`)) as Obj;
    pods.push(kube.create('pods', pod(NS, `${prefix}-${i}-pod`, tr)) as Obj);
  }
  return pods;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runForwarderBench(): Promise<Row[]> {
  process.env['LOG_LEVEL'] ??= 'silent';
  const db = await benchDatabase();
  const config = loadConfig({ DATABASE_URL: db.url, INGEST_TOKEN: INGEST, QUERY_TOKEN: QUERY, PG_POOL_MAX: '10' });
  const { server, url } = await listen(routeAll(await buildFunctions(config, db.pool)), config.MAX_BODY_BYTES, 0);
  const kube = await startFakeKube();
  const dir = await mkdtemp(path.join(tmpdir(), 'forwarder-bench-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfig);
  const child = await spawnForwarder({ STORE_EVENTS: 'true', K_SINK: `${url}/ingest`, SINK_TOKEN: INGEST, KUBECONFIG: kubeconfig, CLUSTER_NAME: 'bench', WATCH_NAMESPACES: NS });
  try {
    for (;;) {
      const r = await fetch(`http://127.0.0.1:${child.port}/readyz`).catch(() => undefined);
      if (r?.status === 200) break;
      await sleep(50);
    }

    // (a) freshness
    const createdAt = new Map<string, number>();
    const latencies: number[] = [];
    const pods = makeRuns(kube, 'fresh', FRESHNESS_EVENTS / PER_RUN);
    let polling = true;
    const poller = (async () => {
      let since = new Date(Date.now() - 60_000).toISOString();
      while (polling) {
        const filter = encodeURIComponent(`update_time > timestamp("${since}")`);
        const res = await fetch(`${url}/apis/results.tekton.dev/v1alpha2/parents/${NS}/results/-/records?page_size=10000&order_by=update_time%20asc&filter=${filter}`, {
          headers: { authorization: `Bearer ${QUERY}` },
        });
        const body = (await res.json()) as { records?: { update_time: string; data: { value: string } }[] };
        const now = performance.now();
        let latest = since;
        for (const rec of body.records ?? []) {
          if (rec.update_time > latest) latest = rec.update_time;
          const list = JSON.parse(Buffer.from(rec.data.value, 'base64').toString('utf8')) as { items: { metadata: { uid: string } }[] };
          for (const item of list.items) {
            const t = createdAt.get(item.metadata.uid);
            if (t !== undefined) {
              latencies.push(now - t);
              createdAt.delete(item.metadata.uid);
            }
          }
        }
        // A transaction that began earlier may commit a slightly older update_time: look back a little.
        since = new Date(Date.parse(latest) - 2000).toISOString();
      }
    })();
    const chunk = 20;
    for (let i = 0; i < FRESHNESS_EVENTS; i += chunk) {
      for (let j = i; j < i + chunk; j++) {
        const p = pods[Math.floor(j / PER_RUN)]!;
        const e = kube.create('events', eventV1(p, j % 3 ? 'Pulled' : 'BackOff', `freshness ${j}`)) as Obj;
        createdAt.set(String(e.metadata['uid']), performance.now());
      }
      await sleep(20);
    }
    const deadline = Date.now() + 120_000;
    while (latencies.length < FRESHNESS_EVENTS && Date.now() < deadline) await sleep(50);
    polling = false;
    await poller;
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);

    // (b) peak RSS and throughput
    const countStored = async () => Number((await db.pool.query('select count(*)::int as n from record_events')).rows[0].n);
    const before = await countStored();
    const rssPods = makeRuns(kube, 'rss', RSS_EVENTS / 100);
    const start = performance.now();
    for (let i = 0; i < RSS_EVENTS; i += 500) {
      for (let j = i; j < i + 500; j++) kube.create('events', eventV1(rssPods[Math.floor(j / 100)]!, j % 3 ? 'Pulled' : 'BackOff', `rss ${j}`));
      await sleep(1);
    }
    const created = performance.now();
    let stored = before;
    const end = Date.now() + 600_000;
    while (stored < before + RSS_EVENTS && Date.now() < end) {
      await sleep(100);
      stored = await countStored();
    }
    const seconds = (performance.now() - start) / 1000;
    const rss = await peakRssMb(child.proc.pid!);
    const done = stored - before;

    return [
      { benchmark: 'forwarder freshness p50 (fake API → query API, 10,000 Events)', figure: `${fmt(p50)} ms`, target: '', met: undefined },
      { benchmark: 'forwarder freshness p99 (default flush interval 200ms)', figure: `${fmt(p99)} ms`, target: '< 1,000 ms', met: latencies.length === FRESHNESS_EVENTS && p99 < 1000 },
      { benchmark: 'forwarder peak RSS (VmHWM) while 100,000 Events stream through', figure: `${fmt(rss)} MB`, target: '< 150 MB', met: rss < 150 },
      {
        benchmark: `forwarder sustained into ingest (${fmt(done)} Events; created in ${fmt((created - start) / 1000, 1)} s)`,
        figure: `${fmt(done / seconds)} events/s`,
        target: '',
        met: undefined,
      },
    ];
  } finally {
    child.proc.kill('SIGTERM');
    await child.exit;
    await kube.close();
    await new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printTable('Forwarder (issue #3)', await runForwarderBench());
}
