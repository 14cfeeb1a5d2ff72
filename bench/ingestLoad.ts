/**
 * The pieces bench/ingest.ts measures with: one load client (a worker thread running
 * bench/httpLoad.mjs) for every server, the servers as child processes, their CPU time from
 * /proc, and pgbench for Postgres' own INSERT ceiling.
 */
import { Worker } from 'node:worker_threads';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { freePort } from '../shared/db/embedded.js';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const TOKEN = 'bench-ingest-token-0123456789';

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

export interface LoadRun {
  seconds: number;
  /** milliseconds per request */
  latencies: Float64Array;
}

/** HTTP clients in a worker thread, holding `bodies` for every server and round. */
export class LoadWorker {
  private readonly worker: Worker;

  constructor(bodies: string[], batch: boolean) {
    this.worker = new Worker(new URL('./httpLoad.mjs', import.meta.url), {
      workerData: {
        token: TOKEN,
        contentType: batch ? 'application/cloudevents-batch+json' : 'application/cloudevents+json',
        ...sharedBodies(bodies),
      },
    });
  }

  /** Sends bodies [from, to) to `url` with `concurrency` clients. */
  run(url: string, from: number, to: number, concurrency: number): Promise<LoadRun> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.worker.once('error', onError);
      this.worker.once('message', (m: { seconds?: number; latencies?: Float64Array; error?: string }) => {
        this.worker.off('error', onError);
        if (m.error !== undefined) reject(new Error(m.error));
        else resolve({ seconds: m.seconds!, latencies: m.latencies! });
      });
      this.worker.postMessage({ url, from, to, concurrency });
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

export interface ChildServer {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/**
 * Where a server says it listens: a bare URL (the bench's own servers), or the `serving` log
 * line of functions/serve.ts with its port.
 */
function listeningUrl(line: string): string | undefined {
  const url = /^(https?:\/\/\S+?)\/?$/.exec(line.trim());
  if (url) return url[1];
  if (!line.startsWith('{')) return undefined;
  try {
    const log = JSON.parse(line) as { message?: unknown; port?: unknown };
    return log.message === 'serving' && typeof log.port === 'number' ? `http://127.0.0.1:${log.port}` : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves once `url`'s port takes a TCP connection. */
async function accepting(url: string, stop: { done: boolean }): Promise<string> {
  const { hostname, port } = new URL(url);
  while (!stop.done) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), hostname === 'localhost' ? '127.0.0.1' : hostname, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return url;
    await new Promise((r) => setTimeout(r, 100));
  }
  return url;
}

/** A server that has not said where it listens within this long is taken as failed. */
const START_TIMEOUT_MS = 60_000;

/**
 * Starts a server in a child process: `script` (a bench/*.ts file, or a path from the
 * repository root) with `args`, under tsx. Resolves once it said where it listens, or, with
 * `url` (a server that may not say: functions-framework is silent under NODE_ENV=production),
 * once that port takes connections.
 */
export async function startChild(
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  args: string[] = [],
  url?: string,
): Promise<ChildServer> {
  const file = script.startsWith('./') ? fileURLToPath(new URL(script, import.meta.url)) : path.join(ROOT, script);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file, ...args], {
    env: { ...process.env, ...env, LOG_LEVEL: env['LOG_LEVEL'] ?? 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: ROOT,
  });
  const lines = createInterface({ input: child.stdout! });
  const stop = { done: false };
  let timer: NodeJS.Timeout | undefined;
  const listening = await new Promise<string>((resolve, reject) => {
    const settle = (err: Error | undefined, found?: string) => {
      stop.done = true;
      clearTimeout(timer);
      lines.off('line', onLine);
      child.off('exit', onExit);
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else resolve(found!);
    };
    const onLine = (line: string) => {
      const found = url === undefined ? listeningUrl(line) : undefined;
      if (found !== undefined) settle(undefined, found);
    };
    const onExit = (code: number | null) => settle(new Error(`${script} exited with ${String(code)} before listening`));
    timer = setTimeout(() => settle(new Error(`${script} did not listen within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    lines.on('line', onLine);
    child.once('exit', onExit);
    if (url !== undefined) void accepting(url, stop).then((u) => !stop.done && settle(undefined, u));
  });
  // What it logs later is not read: drain it, or a full pipe would block the server.
  child.stdout!.resume();
  return {
    child,
    url: listening,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** CPU-seconds a process has used (user + system), from /proc; undefined off Linux. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat after the command name: field 14 utime, 15 stime, in USER_HZ (100) ticks.
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

export function percentile(values: Float64Array[], p: number): number {
  const all = Float64Array.from(values.flatMap((v) => [...v])).sort();
  return all.length === 0 ? NaN : all[Math.min(all.length - 1, Math.floor((p / 100) * all.length))]!;
}

/** One event row as pgbench inserts it: the size of a stored Event. */
const EVENT_JSON = JSON.stringify({
  metadata: { name: 'build-pod.17a2f3c1e0b5c3d1', namespace: 'bench', uid: '2f0e3c1a-7b7d-4a39-9d3e-2a1c1f0e9b7a', resourceVersion: '1000', creationTimestamp: '2026-01-01T00:00:00Z' },
  regarding: { kind: 'Pod', name: 'build-pod', namespace: 'bench', uid: '5b1e3c1a-7b7d-4a39-9d3e-2a1c1f0e9b7a', apiVersion: 'v1', fieldPath: 'spec.containers{step-build}', taskName: 'build' },
  reason: 'BackOff',
  note: 'Back-off restarting failed container step-build in pod build-pod_bench(2f0e3c1a-7b7d-4a39-9d3e-2a1c1f0e9b7a)',
  type: 'Warning',
  reportingController: 'kubelet',
  deprecatedCount: 1,
});

/** Where pgbench is, or undefined (the bench then skips its rows and says so). */
export function findPgbench(): string | undefined {
  for (const candidate of ['pgbench', ...['17', '16', '15', '14', '13'].map((v) => `/usr/lib/postgresql/${v}/bin/pgbench`)]) {
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}

/**
 * Rows/s of plain INSERTs into a table shaped like record_events (same columns, indexes and
 * fill factor), `rows` rows per statement from `clients` connections for `seconds`: what
 * Postgres alone can take on this machine now. No upsert, no list lookups, no HTTP.
 */
export function pgbenchInsert(pgbench: string, url: string, table: string, rows: number, clients: number, seconds: number): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'tekton-events-pgbench-'));
  try {
    const script = path.join(dir, 'insert.sql');
    const event = EVENT_JSON.replaceAll("'", "''");
    writeFileSync(
      script,
      `insert into ${table} (record_id, event_key, series_count, last_seen, resource_version, first_seen, reason, type, event) ` +
        `select gen_random_uuid(), md5(random()::text), 1, now(), 1000, now(), 'BackOff', 'Warning', '${event}'::json from generate_series(1, ${rows});\n`,
    );
    const u = new URL(url);
    const env = {
      ...process.env,
      PGHOST: u.searchParams.get('host') ?? u.hostname,
      PGPORT: u.port || '5432',
      PGUSER: decodeURIComponent(u.username),
      PGPASSWORD: decodeURIComponent(u.password),
      PGDATABASE: u.pathname.slice(1),
    };
    const out = spawnSync(pgbench, ['-n', '-M', 'prepared', '-f', script, '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds)], {
      env,
      encoding: 'utf8',
    });
    const tps = /tps = ([\d.]+)/.exec(out.stdout ?? '');
    if (out.status !== 0 || !tps) throw new Error(`pgbench failed: ${out.stderr || out.stdout}`);
    return Number(tps[1]) * rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `target` of functions/index.ts under functions-framework, as Cloud Functions runs it. The
 * framework loads its source directory's package.json `main`: a directory of our own whose main
 * re-exports functions/index.ts, so it runs from the sources under tsx like the other servers.
 */
export async function startFunctionsFramework(target: string, env: Record<string, string>): Promise<ChildServer> {
  const source = mkdtempSync(path.join(tmpdir(), 'tekton-events-ff-'));
  writeFileSync(path.join(source, 'package.json'), JSON.stringify({ type: 'module', main: 'index.mjs' }));
  writeFileSync(path.join(source, 'index.mjs'), `export * from ${JSON.stringify(path.join(ROOT, 'functions/index.ts'))};\n`);
  const port = await freePort();
  const server = await startChild(
    'node_modules/@google-cloud/functions-framework/build/src/main.js',
    env,
    [],
    [`--target=${target}`, '--signature-type=http', `--port=${port}`, `--source=${source}`],
    `http://127.0.0.1:${port}`,
  );
  return {
    ...server,
    async stop() {
      await server.stop();
      rmSync(source, { recursive: true, force: true });
    },
  };
}
