/**
 * The run timeline over HTTP, through the typed client: the sample PipelineRun as `npm start`
 * loads it, runs reusing a name, a Result, the Event cap, errors and authorisation.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, QUERY_TOKEN, type TestServer } from '../helpers/server.js';
import { eventCe, newRun, send, statusCe, storedEvent } from '../helpers/ce.js';
import { sampleBatches, SAMPLE } from '../../sample/failedPipelineRun.js';
import { ApiError, EventsClient, type Timeline } from '../../shared/client/index.js';
import { eventListRecordId } from '../../shared/names.js';

let srv: TestServer;
let client: EventsClient;
const NS = SAMPLE.namespace;
const PR = SAMPLE.pipelineRun.name;

beforeAll(async () => {
  srv = await startTestServer();
  for (const batch of sampleBatches()) expect((await send(srv.url, batch as Record<string, unknown>[])).status).toBe(200);
  client = new EventsClient({ server: srv.url, token: QUERY_TOKEN });
});
afterAll(async () => {
  await srv.close();
});

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('run timeline', () => {
  let t: Timeline;
  beforeAll(async () => {
    t = await client.timeline(NS, 'PipelineRun', PR);
  });

  it('answers the sample PipelineRun with its status, TaskRuns and step terminations', () => {
    expect(t.run).toMatchObject({ kind: 'PipelineRun', name: PR, uid: SAMPLE.pipelineRun.uid, namespace: NS, status: 'FAILURE', reason: 'Failed', finished: true, taskName: null });
    expect(t.run.result).toBe(`${NS}/results/${SAMPLE.pipelineRun.uid}`);
    expect(t.pipelineRun).toBeNull();
    expect(t.taskRuns.map((r) => [r.taskName, r.status, r.reason])).toEqual([
      ['fetch-source', 'SUCCESS', 'Succeeded'],
      ['unit-tests', 'CANCELLED', 'TaskRunCancelled'],
      ['build-image', 'FAILURE', 'Failed'],
    ]);
    const build = t.taskRuns.find((r) => r.taskName === 'build-image')!;
    expect(build.steps).toEqual([
      { name: 'build', container: 'step-build', exitCode: 137, reason: 'OOMKilled' },
      { name: 'push', container: 'step-push', exitCode: null, reason: 'Skipped' },
    ]);
    expect(build.startTime).toBe('2026-11-24T09:00:22Z');
  });

  it('merges every Event of the run, its TaskRuns and Pods in time order, decoded', () => {
    expect(t.truncated).toBe(false);
    expect(t.events).toHaveLength(t.totalEvents);
    expect(t.totalEvents).toBe(5 + 6 + 7 + 10);
    const times = t.events.map((e) => Date.parse(e.firstSeen));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const sched = t.events.find((e) => e.reason === 'FailedScheduling')!;
    expect(sched).toMatchObject({
      taskName: 'build-image',
      type: 'Warning',
      count: 3,
      regarding: { kind: 'Pod', name: `${PR}-build-image-pod` },
      run: { kind: 'TaskRun', name: `${PR}-build-image` },
      firstSeen: '2026-11-24T09:00:22Z',
      lastSeen: '2026-11-24T09:00:52Z',
      reportingController: 'default-scheduler',
    });
    expect(sched.note).toContain('Insufficient memory');
    expect(t.events.find((e) => e.reason === 'BackOff')).toMatchObject({ container: 'step-build', count: 5 });
    expect(t.events.filter((e) => e.run.kind === 'PipelineRun').every((e) => e.taskName === null)).toBe(true);
  });

  it('diagnoses the OOM kill after the scheduling wait, ranked above the cancellation', () => {
    expect(t.diagnosis.headline).toBe('build-image: step-build was OOMKilled (exit 137) after 3× FailedScheduling: Insufficient memory');
    const kinds = t.diagnosis.causes.map((c) => c.kind);
    expect(kinds[0]).toBe('oom');
    expect(kinds).toContain('scheduling');
    expect(kinds).toContain('crash-loop');
    expect(kinds.indexOf('cancellation')).toBeGreaterThan(kinds.indexOf('oom'));
    expect(t.diagnosis.causes.find((c) => c.kind === 'cancellation')).toMatchObject({ taskName: 'unit-tests' });
    // nothing from the task that succeeded
    expect(t.diagnosis.causes.some((c) => c.taskName === 'fetch-source')).toBe(false);
  });

  it('answers a TaskRun of the pipeline with its own Events and its PipelineRun', async () => {
    const tr = await client.timeline(NS, 'TaskRun', `${PR}-build-image`);
    expect(tr.run).toMatchObject({ kind: 'TaskRun', taskName: 'build-image', status: 'FAILURE' });
    expect(tr.pipelineRun).toEqual(SAMPLE.pipelineRun);
    expect(tr.taskRuns).toHaveLength(1);
    expect(tr.events).toHaveLength(10);
    expect(tr.diagnosis.headline).toBe('build-image: step-build was OOMKilled (exit 137) after 3× FailedScheduling: Insufficient memory');
  });

  it('answers by Result, the same as by name', async () => {
    const byResult = await client.resultTimeline(NS, SAMPLE.pipelineRun.uid);
    expect(byResult).toEqual(t);
  });

  it('gives the newest run of a reused name, and the one a uid picks', async () => {
    const first = newRun('TaskRun', 'nightly');
    const second = newRun('TaskRun', 'nightly');
    for (const [run, reason] of [
      [first, 'Succeeded'],
      [second, 'TaskRunTimeout'],
    ] as const) {
      const res = await send(srv.url, [
        eventCe(storedEvent({ namespace: 'team-t', taskName: 'nightly', regardingKind: 'TaskRun', regardingName: 'nightly', reason: 'Started' }), run, null, 'team-t'),
        statusCe(run, null, { reason, message: `TaskRun "nightly" failed to finish within "10m0s"`, steps: [] }, 500, 'team-t'),
      ]);
      expect(res.status).toBe(200);
    }
    const newest = await client.timeline('team-t', 'TaskRun', 'nightly');
    expect(newest.run.uid).toBe(second.uid);
    expect(newest.run.status).toBe('TIMEOUT');
    expect(newest.diagnosis.headline).toBe('nightly: timed out after 10m0s (TaskRunTimeout)');
    expect(newest.pipelineRun).toBeNull();
    const older = await client.timeline('team-t', 'TaskRun', 'nightly', { uid: first.uid });
    expect(older.run).toMatchObject({ uid: first.uid, status: 'SUCCESS' });
    expect(older.diagnosis).toEqual({ headline: 'TaskRun nightly succeeded', causes: [] });
  });

  it('answers a PipelineRun whose own Events were never seen, from its TaskRuns', async () => {
    const pr = newRun('PipelineRun', 'late-start');
    const tr = newRun('TaskRun', 'late-start-build');
    const res = await send(srv.url, [
      eventCe(storedEvent({ namespace: 'team-t', taskName: 'build', reason: 'FailedMount', type: 'Warning', note: 'MountVolume.SetUp failed for volume "ws" : configmap "settings" not found' }), tr, pr, 'team-t'),
    ]);
    expect(res.status).toBe(200);
    const lt = await client.timeline('team-t', 'PipelineRun', 'late-start');
    expect(lt.run).toMatchObject({ kind: 'PipelineRun', uid: pr.uid, status: 'UNKNOWN', finished: false, record: `team-t/results/${pr.uid}/records/${eventListRecordId(pr.uid, pr.uid)}` });
    expect(lt.taskRuns.map((r) => r.taskName)).toEqual(['build']);
    expect(lt.diagnosis.headline).toBe('build: FailedMount of volume "ws": configmap "settings" not found');
    expect(await client.resultTimeline('team-t', pr.uid)).toEqual(lt);
  });

  it('caps the Events it returns, keeping Warnings first, and says so', async () => {
    const capped = await client.timeline(NS, 'PipelineRun', PR, { maxEvents: 6 });
    expect(capped.truncated).toBe(true);
    expect(capped.totalEvents).toBe(28);
    expect(capped.events).toHaveLength(6);
    const warnings = t.events.filter((e) => e.type === 'Warning');
    expect(warnings).toHaveLength(5);
    expect(capped.events.filter((e) => e.type === 'Warning')).toEqual(warnings);
    // the sixth is the newest Normal Event
    const newestNormal = Math.max(...t.events.filter((e) => e.type !== 'Warning').map((e) => Date.parse(e.firstSeen)));
    expect(Date.parse(capped.events.find((e) => e.type !== 'Warning')!.firstSeen)).toBe(newestNormal);
    expect(capped.diagnosis.headline).toBe(t.diagnosis.headline);
  });

  it('answers no-store JSON, and problem+json errors with clear messages', async () => {
    const res = await fetch(`${srv.url}/v1/namespaces/${NS}/pipelineruns/${PR}/timeline`, { headers: { authorization: `Bearer ${QUERY_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toBe('application/json');
    const missing = await fetch(`${srv.url}/v1/namespaces/${NS}/pipelineruns/nope/timeline`, { headers: { authorization: `Bearer ${QUERY_TOKEN}` } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(missing.headers.get('cache-control')).toBe('no-store');
    expect(await missing.json()).toMatchObject({ status: 404, code: 5, detail: expect.stringContaining('no PipelineRun "nope" in namespace "ci" is stored') });

    expect(await rejection(client.timeline(NS, 'TaskRun', 'nope'))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await rejection(client.timeline(NS, 'PipelineRun', PR, { uid: 'not-a-uid' }))).toMatchObject({ status: 400, code: 'invalid_argument' });
    expect(await rejection(client.timeline(NS, 'PipelineRun', 'Bad_Name'))).toMatchObject({ status: 400 });
    expect(await rejection(client.timeline(NS, 'PipelineRun', PR, { maxEvents: 0 }))).toMatchObject({ status: 400, message: expect.stringContaining('max_events') });
    expect(await rejection(client.resultTimeline(NS, '00000000-0000-4000-8000-000000000000'))).toMatchObject({ status: 404 });
    const post = await fetch(`${srv.url}/v1/namespaces/${NS}/pipelineruns/${PR}/timeline`, { method: 'POST', headers: { authorization: `Bearer ${QUERY_TOKEN}` } });
    expect(post.status).toBe(405);
  });

  it('wants a query token, and a token of the namespace', async () => {
    expect(await rejection(new EventsClient({ server: srv.url }).timeline(NS, 'PipelineRun', PR))).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(await rejection(new EventsClient({ server: srv.url, token: 'wrong-token-0123456789' }).timeline(NS, 'PipelineRun', PR))).toMatchObject({ status: 401 });
  });

  it('keeps the Results-shaped records as they were: base64 EventLists, newest record the failing TaskRun', async () => {
    const page = await client.listRecords(NS, '-', { orderBy: 'create_time desc', pageSize: 1, filter: 'data_type == "results.tekton.dev/v1.EventList"' });
    const rec = page.records[0]!;
    expect(rec.data.type).toBe('results.tekton.dev/v1.EventList');
    const list = JSON.parse(Buffer.from(rec.data.value, 'base64').toString('utf8')) as { items: { regarding: { taskName: string } }[] };
    expect(list.items[0]!.regarding.taskName).toBe('build-image');
  });
});

describe('run timeline authorisation', () => {
  let scoped: TestServer;
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'timeline-auth-'));
    const file = path.join(dir, 'tokens.yaml');
    await writeFile(file, 'tokens:\n  - token: team-a-only-token-0123\n    namespaces: [team-a]\n');
    // the token file is read once, when the functions are built
    scoped = await startTestServer({ QUERY_TOKENS_FILE: file });
    await rm(dir, { recursive: true });
    for (const batch of sampleBatches()) expect((await send(scoped.url, batch as Record<string, unknown>[])).status).toBe(200);
  });
  afterAll(async () => {
    await scoped.close();
  });

  it('refuses a namespace the token may not read with 403', async () => {
    const c = new EventsClient({ server: scoped.url, token: 'team-a-only-token-0123' });
    expect(await rejection(c.timeline(NS, 'PipelineRun', PR))).toMatchObject({ status: 403, code: 'permission_denied' });
    expect(await rejection(c.timeline('team-a', 'PipelineRun', PR))).toMatchObject({ status: 404 });
  });
});
