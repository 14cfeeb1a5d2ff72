/**
 * What `npm start` starts: the sample by default, with no request to whatever cluster the
 * current kubeconfig names (it may be production); the forwarder against it only with
 * `--cluster` (or TEKTON_EVENTS_CLUSTER=true), and annotations only with `--annotate`.
 * The "current cluster" here is the fake API server, which records every request.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeKube, type FakeKube } from '../../devtools/fakeKube/server.js';
import { SAMPLE } from '../../sample/failedPipelineRun.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { INGEST_TOKEN, QUERY_TOKEN } from '../helpers/server.js';
import { until } from '../helpers/until.js';
import { emitEvents, results, standaloneRun, storedEvents, type Created } from '../forwarder/e2eHelpers.js';
import { SPAWN_TIMEOUT, killGroup, spawnStart, type StartChild } from './startProcess.js';

let kube: FakeKube;
let db: TestDb;
let dir: string;
let kubeconfig: string;
let child: StartChild | undefined;
beforeAll(async () => {
  [kube, db] = await Promise.all([startFakeKube(), createTestDb()]);
  dir = await mkdtemp(path.join(tmpdir(), 'start-'));
  kubeconfig = path.join(dir, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfig);
});
afterEach(async () => {
  await killGroup(child);
  child = undefined;
});
afterAll(async () => {
  await kube?.close();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const env = (more: Record<string, string> = {}) => ({
  HOME: dir,
  TEKTON_EVENTS_DATA: path.join(dir, 'data'),
  DATABASE_URL: db.url,
  PORT: '0',
  INGEST_TOKEN,
  QUERY_TOKEN,
  KUBECONFIG: kubeconfig,
  LOG_LEVEL: 'info',
  ...more,
});

const patches = () => kube.requests.filter((r) => r.method === 'PATCH');

describe('npm start', () => {
  it('loads the sample and sends not one request to the current kubeconfig context by default', async () => {
    const before = kube.requests.length;
    child = spawnStart([], env());
    const url = await child.url();
    await until(() => results(url, SAMPLE.namespace), (r) => r.length > 0, 'the sample');
    expect(child.stdout()).toContain('npm start -- --cluster watches your cluster');
    expect(kube.requests.length).toBe(before);
  }, SPAWN_TIMEOUT);

  it('watches the current context with --cluster, and annotates nothing without --annotate', async () => {
    const ns = 'start-cluster';
    const { pod } = standaloneRun(kube, ns, 'watched');
    const created: Created = new Map();
    emitEvents(kube, pod, 3, created, 'first');
    child = spawnStart(['--cluster'], env());
    const url = await child.url();
    expect(child.stdout()).toContain('runs are not annotated (--annotate to)');
    await until(() => storedEvents(url, ns), (items) => items.length === created.size, 'the first Events stored');
    // The first Events' annotations would have been asked for before these are stored.
    emitEvents(kube, pod, 3, created, 'second');
    await until(() => storedEvents(url, ns), (items) => items.length === created.size, 'the second Events stored');
    expect(patches()).toHaveLength(0);
  }, SPAWN_TIMEOUT);

  it('annotates runs when asked: TEKTON_EVENTS_CLUSTER=true with --annotate', async () => {
    const ns = 'start-annotate';
    const { pod } = standaloneRun(kube, ns, 'annotated');
    emitEvents(kube, pod, 2, new Map(), 'a');
    child = spawnStart(['--annotate'], env({ TEKTON_EVENTS_CLUSTER: 'true' }));
    await child.url();
    expect(child.stdout()).toContain('annotating its runs');
    await until(() => patches().filter((p) => p.path.endsWith(`/namespaces/${ns}/taskruns/annotated`)).length, (n) => n === 1, 'the annotation patch');
  }, SPAWN_TIMEOUT);

  it('refuses what it cannot do in one line, before starting anything', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--annotate'], {}, /^--annotate needs --cluster/],
      [['--cluster', '--demo'], {}, /exclude each other/],
      [['--clustr'], {}, /^Unknown option '--clustr'/],
      [['--cluster'], { KUBECONFIG: '' }, /^no Kubernetes configuration: .*does not exist$/],
    ];
    // In parallel: each is a process start.
    await Promise.all(
      cases.map(async ([args, over, message]) => {
        const c = spawnStart(args, env(over));
        expect(await c.exit).not.toBe(0);
        expect(c.stderr().split('\n')[0]).toMatch(message);
        expect(c.stdout()).not.toContain('tekton-events is running');
      }),
    );
  }, SPAWN_TIMEOUT);
});
