/**
 * The forwarder as its own process (`forwarder/main.ts`, what `npm run forwarder` runs), and its
 * shutdown: off by default yet healthy; configured from K_SINK / K_CE_OVERRIDES / KUBECONFIG;
 * SIGTERM sends what is buffered before the process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForwarder } from '../../forwarder/start.js';
import { startFakeKube, type FakeKube } from '../../devtools/fakeKube/server.js';
import { INGEST_TOKEN } from '../helpers/server.js';
import { emitEvents, forwarderConfig, standaloneRun, type Created } from './e2eHelpers.js';
import { until } from '../helpers/until.js';
import { spawnEntry } from '../helpers/process.js';
import { startSink, type Sink } from './sink.js';

let kube: FakeKube;
let sink: Sink;
let dir: string;
let kubeconfig: string;
beforeAll(async () => {
  [kube, sink] = await Promise.all([startFakeKube(), startSink()]);
  dir = await mkdtemp(path.join(tmpdir(), 'forwarder-process-'));
  kubeconfig = path.join(dir, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfig);
});
afterAll(async () => {
  await kube?.close();
  await sink?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Child {
  proc: ChildProcess;
  port: number;
  logs: Record<string, unknown>[];
  exit: Promise<number | null>;
}

const root = path.resolve(import.meta.dirname, '../..');

/** Starts forwarder/main.ts with only the given environment (plus PATH) and waits for its ops server. */
async function spawnForwarder(env: Record<string, string>, args: string[] = []): Promise<Child> {
  const child = spawnEntry('forwarder/main.ts', ['--port=0', ...args], { PATH: process.env['PATH'] ?? '', HOME: dir, LOG_LEVEL: 'info', ...env });
  const port = await child.portFrom('forwarder health and metrics server listening');
  return { proc: child.proc, port, logs: child.logs, exit: child.exit };
}

/** A process start takes many seconds on busy shared cores. */
const SPAWN_TIMEOUT = 180_000;

const ops = (c: Child, p: string) => fetch(`http://127.0.0.1:${c.port}${p}`);

/** Runs forwarder/main.ts to its exit with only the given environment (plus PATH and an empty HOME). */
async function runToExit(env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'forwarder/main.ts', '--port=0', ...args], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', HOME: dir, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on('exit', (c) => resolve(c)));
  return { code, stdout, stderr };
}

describe('the forwarder process', () => {
  it('says in one line that there is no Kubernetes configuration and exits, rather than retrying localhost:8080 for ever', async () => {
    // HOME is an empty directory: no ~/.kube/config, no KUBECONFIG, not in a pod.
    const r = await runToExit({ STORE_EVENTS: 'true', K_SINK: sink.url });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^no Kubernetes configuration: .*\.kube\/config does not exist$/)]);
    expect(r.stdout + r.stderr).not.toMatch(/skipTLSVerify|localhost:8080/);
  }, SPAWN_TIMEOUT);

  it('refuses a plain-HTTP cluster without insecure-skip-tls-verify in one line', async () => {
    const file = path.join(dir, 'plain-http');
    await writeFile(file, (await readFile(kubeconfig, 'utf8')).replace(/\s*insecure-skip-tls-verify: true/, ''));
    const r = await runToExit({ STORE_EVENTS: 'true', K_SINK: sink.url, KUBECONFIG: file });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/is plain HTTP .*insecure-skip-tls-verify: true$/)]);
  }, SPAWN_TIMEOUT);

  it('names a missing kubeconfig file in one line', async () => {
    const r = await runToExit({ STORE_EVENTS: 'true', K_SINK: sink.url, KUBECONFIG: path.join(dir, 'nope') });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([`the kubeconfig ${path.join(dir, 'nope')} (--kubeconfig/KUBECONFIG) does not exist`]);
  }, SPAWN_TIMEOUT);

  it('stores nothing by default, says so in its log, and stays healthy and ready', async () => {
    const before = kube.requests.length;
    const child = await spawnForwarder({ KUBECONFIG: kubeconfig });
    try {
      expect(child.logs.some((l) => String(l['message']).startsWith('storing Events is off'))).toBe(true);
      expect((await ops(child, '/healthz')).status).toBe(200);
      expect((await ops(child, '/readyz')).status).toBe(200);
      expect(await (await ops(child, '/metrics')).text()).toContain('tekton_events_forwarder_events_sent_total');
      expect(kube.requests.length).toBe(before);
    } finally {
      child.proc.kill('SIGTERM');
      expect(await child.exit).toBe(0);
    }
  });

  it('takes its sink from K_SINK, adds the K_CE_OVERRIDES extensions, and flushes its buffer on SIGTERM', async () => {
    const ns = 'process-sigterm';
    const { pod } = standaloneRun(kube, ns, 'sigterm');
    const created: Created = new Map();
    emitEvents(kube, pod, 12, created);
    sink.received.length = 0;
    const child = await spawnForwarder({
      KUBECONFIG: kubeconfig,
      STORE_EVENTS: 'true',
      K_SINK: sink.url,
      SINK_TOKEN: INGEST_TOKEN,
      K_CE_OVERRIDES: '{"extensions":{"cluster":"east","tier":2}}',
      CLUSTER_NAME: 'east',
      WATCH_NAMESPACES: ns,
      // Nothing is sent before SIGTERM but by the flush.
      FLUSH_INTERVAL: '10m',
      BATCH_SIZE: '1000',
    });
    await until(() => ops(child, '/readyz').then((r) => r.status), (s) => s === 200, 'readiness');
    await until(
      () => ops(child, '/metrics').then((r) => r.text()),
      (t) => /objects_seen_total\{resource="events"\} (\d+)/.exec(t)?.[1] === String(created.size),
      'the Events to be seen',
    );
    expect(sink.received).toHaveLength(0);
    child.proc.kill('SIGTERM');
    expect(await child.exit).toBe(0);

    const events = sink.received.flatMap((r) => JSON.parse(r.body) as Record<string, unknown>[]);
    expect(new Set(events.map((e) => String(e['id']).split('/')[0]))).toEqual(new Set(created.keys()));
    for (const e of events) expect(e).toMatchObject({ source: '/tekton-events/forwarder/east', cluster: 'east', tier: 2, type: 'dev.tekton.results.event.v1', subject: `namespaces/${ns}/taskruns/sigterm` });
    expect(sink.received.every((r) => r.headers['authorization'] === `Bearer ${INGEST_TOKEN}`)).toBe(true);
  });

  it('sends what it has buffered when shut down in process', async () => {
    const ns = 'inprocess-shutdown';
    const { pod } = standaloneRun(kube, ns, 'shutdown');
    const created: Created = new Map();
    sink.received.length = 0;
    const fwd = startForwarder(forwarderConfig(sink.url, { namespaces: [ns], flushIntervalMs: 600_000, batchSize: 1000 }), { kubeConfig: kube.kubeConfig() });
    await fwd.ready;
    emitEvents(kube, pod, 15, created);
    await until(async () => (await fwd.metrics.seen.get()).values.find((v) => v.labels['resource'] === 'events')?.value ?? 0, (n) => n >= 15 + 3 * 2, 'the Events to be seen');
    expect(sink.received).toHaveLength(0);
    await fwd.shutdown();
    const uids = new Set(sink.received.flatMap((r) => r.ids).map((id) => id.split('/')[0]));
    expect(uids).toEqual(new Set(created.keys()));
  });
});
