/**
 * A Result as the Tekton Results watcher writes it: a summary from its run's first sight
 * (`UNKNOWN`, naming the run record), filled in when the run finishes, and the annotations
 * `object.metadata.name` and `tekton.dev/pipeline`; through the ingest boundary, the store and
 * the query API, against the real Postgres. Also the migration that brings stored Results to
 * that shape.
 */
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createTestDb } from '../helpers/db.js';
import { eventCe, newRun, query, send, statusCe, storedEvent, type Run } from '../helpers/ce.js';
import { eventListRecordName, runRecordName } from '../../shared/names.js';
import { loadMigrations, migrate, sqlDir } from '../../shared/db/migrate.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});

const NS = 'ci';
const prEvent = (pr: Run, pipeline?: string, ns = NS) =>
  eventCe(storedEvent({ namespace: ns, reason: 'Started', regardingKind: 'PipelineRun', regardingName: pr.name }), pr, pipeline ? { ...pr, pipeline } : null, ns);
const trEvent = (tr: Run, pr: Run, pipeline?: string, reason = 'Scheduled') =>
  eventCe(storedEvent({ namespace: NS, reason }), tr, { name: pr.name, uid: pr.uid, ...(pipeline ? { pipeline } : {}) }, NS);
const finished = (reason: string) => ({ reason, message: `${reason}.`, startTime: '2026-11-24T09:00:00Z', completionTime: '2026-11-24T09:02:30Z', steps: [] });

async function result(run: Run, ns = NS) {
  const res = await query(srv.url, `/${ns}/results/${run.uid}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function ok(ces: Record<string, unknown>[]): Promise<void> {
  const res = await send(srv.url, ces);
  expect(res.status, await res.text()).toBe(200);
}

describe('a Result on first sight of its run', () => {
  it('has an UNKNOWN summary naming the run record, and the annotations the Results watcher writes', async () => {
    const pr = newRun('PipelineRun', 'build-42');
    const tr = newRun('TaskRun', 'build-42-compile');
    // The Result is created by a TaskRun's Event: it is still the PipelineRun's Result.
    await ok([trEvent(tr, pr, 'build-and-test')]);
    const r = await result(pr);
    expect(r.summary).toEqual({ record: runRecordName(NS, pr.uid, pr.uid), type: 'tekton.dev/v1.PipelineRun', status: 'UNKNOWN' });
    expect(r.summary.record).not.toBe(eventListRecordName(NS, pr.uid, pr.uid));
    expect(r.annotations).toEqual({ 'tekton.dev/pipelineRun': 'build-42', 'object.metadata.name': 'build-42', 'tekton.dev/pipeline': 'build-and-test' });
  });

  it('is filled in by the terminal status, naming the same run record, which can be read', async () => {
    const pr = newRun('PipelineRun', 'build-43');
    await ok([prEvent(pr, 'build-and-test')]);
    const before = await result(pr);
    await ok([statusCe(pr, { ...pr, pipeline: 'build-and-test' }, finished('Failed'), 500, NS)]);
    const after = await result(pr);
    expect(after.summary).toEqual({
      record: before.summary.record,
      type: 'tekton.dev/v1.PipelineRun',
      status: 'FAILURE',
      start_time: '2026-11-24T09:00:00Z',
      end_time: '2026-11-24T09:02:30Z',
      annotations: { reason: 'Failed', message: 'Failed.' },
    });
    expect(after.etag).not.toBe(before.etag);
    const record = await query(srv.url, `/${after.summary.record.replace(/^[^/]+\//, `${NS}/`)}`);
    expect(record.status, JSON.stringify(record.body)).toBe(200);
    expect(record.body).toMatchObject({ name: after.summary.record, data: { type: 'tekton.dev/v1.PipelineRun' } });
  });

  it('of a standalone TaskRun: its own run record and name, no pipeline', async () => {
    const tr = newRun('TaskRun', 'lint');
    await ok([eventCe(storedEvent({ namespace: NS, taskName: 'lint' }), tr, null, NS)]);
    const r = await result(tr);
    expect(r.summary).toEqual({ record: runRecordName(NS, tr.uid, tr.uid), type: 'tekton.dev/v1.TaskRun', status: 'UNKNOWN' });
    expect(r.annotations).toEqual({ 'tekton.dev/taskRun': 'lint', 'object.metadata.name': 'lint' });
  });

  it('created by a run status (no Event before it) has the finished summary at once', async () => {
    const pr = newRun('PipelineRun', 'quick');
    await ok([statusCe(pr, { ...pr, pipeline: 'quick-pipeline' }, finished('Succeeded'), 500, NS)]);
    const r = await result(pr);
    expect(r.summary).toMatchObject({ record: runRecordName(NS, pr.uid, pr.uid), status: 'SUCCESS', end_time: '2026-11-24T09:02:30Z' });
    expect(r.annotations['tekton.dev/pipeline']).toBe('quick-pipeline');
  });
});

describe('the pipeline name', () => {
  it('is kept when one write of a batch knows it and another of the same list does not', async () => {
    const pr = newRun('PipelineRun', 'mixed');
    const tr = newRun('TaskRun', 'mixed-a');
    await ok([trEvent(tr, pr), trEvent(tr, pr, 'known', 'Pulled'), trEvent(tr, pr, undefined, 'Created')]);
    expect((await result(pr)).annotations['tekton.dev/pipeline']).toBe('known');
  });

  it('is learned by a Result created without it (an older sender) from its runs’ next statuses, and never replaced', async () => {
    const pr = newRun('PipelineRun', 'late-label');
    const tr = newRun('TaskRun', 'late-label-a');
    await ok([prEvent(pr), trEvent(tr, pr)]);
    const first = await result(pr);
    expect(first.annotations).not.toHaveProperty('tekton.dev/pipeline');
    // Later Events of known lists take the one-statement append path: they teach nothing.
    await ok([trEvent(tr, pr, 'late', 'Pulled')]);
    // The TaskRun's terminal status does.
    await ok([statusCe(tr, { ...pr, pipeline: 'late' }, finished('Succeeded'), 500, NS)]);
    expect((await result(pr)).annotations).toMatchObject({ 'tekton.dev/pipeline': 'late', 'object.metadata.name': 'late-label' });
    await ok([statusCe(pr, { ...pr, pipeline: 'other' }, finished('Succeeded'), 600, NS)]);
    expect((await result(pr)).annotations['tekton.dev/pipeline']).toBe('late');
  });

  it('is checked at the ingest boundary: a label value, optional', async () => {
    const pr = newRun('PipelineRun', 'checked');
    for (const bad of ['-starts-with-dash', 'a'.repeat(64), 'has space', 7]) {
      const res = await send(srv.url, [eventCe(storedEvent({ namespace: NS }), newRun('TaskRun', 'checked-a'), { name: pr.name, uid: pr.uid, pipeline: bad as string }, NS)]);
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(JSON.stringify(body)).toContain('pipelineRun.pipeline');
    }
    // Older senders leave it out; a label value may be as long as 63 and hold _ and .
    await ok([trEvent(newRun('TaskRun', 'checked-b'), pr), trEvent(newRun('TaskRun', 'checked-c'), pr, `A_b.c-${'d'.repeat(57)}`)]);
    expect((await result(pr)).annotations['tekton.dev/pipeline']).toBe(`A_b.c-${'d'.repeat(57)}`);
  });
});

describe('filters, orders and the summary endpoint with first-sight summaries', () => {
  const ns = 'filters';
  const running = newRun('PipelineRun', 'still-running');
  const done = newRun('PipelineRun', 'done');
  beforeAll(async () => {
    await ok([prEvent(running, 'deploy', ns), prEvent(done, 'build', ns)]);
    await ok([statusCe(done, { ...done, pipeline: 'build' }, finished('Succeeded'), 500, ns)]);
  });
  const names = async (q: string) => {
    const res = await query(srv.url, `/${ns}/results?${q}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.results.map((r: { annotations: Record<string, string> }) => r.annotations['object.metadata.name']);
  };
  const filter = (f: string) => names(`filter=${encodeURIComponent(f)}`);

  it.each<[string, string[]]>([
    ['summary.status == UNKNOWN', ['still-running']],
    ['summary.status != UNKNOWN', ['done']],
    ['summary.type == PIPELINE_RUN', ['still-running', 'done']],
    ['summary.end_time > timestamp("2026-01-01T00:00:00Z")', ['done']],
    ['annotations["tekton.dev/pipeline"] == "deploy"', ['still-running']],
    ['annotations["object.metadata.name"].startsWith("do")', ['done']],
  ])('%s', async (f, expected) => {
    expect((await filter(f)).sort()).toEqual(expected.sort());
  });

  it('orders by summary.start_time, the running run (no start_time yet) last either way', async () => {
    expect(await names('order_by=summary.start_time%20asc')).toEqual(['done', 'still-running']);
    expect(await names('order_by=summary.start_time%20desc')).toEqual(['done', 'still-running']);
    expect(await names('order_by=summary.end_time%20desc')).toEqual(['done', 'still-running']);
  });

  it('counts the running run as running in the summary endpoint', async () => {
    const res = await query(srv.url, `/${ns}/results/-/records/summary?summary=total,running,succeeded`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.summary).toEqual([{ total: 2, running: 1, succeeded: 1 }]);
  });
});

describe('migration 000021', () => {
  it('gives stored Results the summary and annotations new ones get', async () => {
    const db = await createTestDb({ migrate: false });
    try {
      const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
      for (const m of await loadMigrations()) if (m.version < 21) await copyFile(path.join(sqlDir(), m.file), path.join(dir, m.file));
      await migrate(db.pool, dir);
      const [running, finishedUid] = [randomUUID(), randomUUID()];
      const old = { record: eventListRecordName('ci', finishedUid, finishedUid), type: 'tekton.dev/v1.PipelineRun', status: 'SUCCESS', start_time: '2026-01-01T00:00:00Z', end_time: '2026-01-01T00:01:00Z', annotations: { reason: 'Succeeded', message: '' } };
      await db.pool.query({
        text: `insert into results (parent, name, run_kind, run_name, annotations, summary, update_time)
               values ('ci', $1, 'TaskRun', 'running-tr', '{"tekton.dev/taskRun": "running-tr"}', null, '2026-01-02T00:00:00Z'),
                      ('ci', $2, 'PipelineRun', 'done-pr', '{"tekton.dev/pipelineRun": "done-pr"}', $3::jsonb, '2026-01-02T00:00:00Z')`,
        values: [running, finishedUid, JSON.stringify(old)],
      });
      expect(await migrate(db.pool)).toEqual([21]);
      const { rows } = await db.pool.query(`select name, annotations, summary, version, update_time = '2026-01-02T00:00:00Z' as same_time from results order by run_name desc`);
      expect(rows).toEqual([
        { name: running, annotations: { 'tekton.dev/taskRun': 'running-tr', 'object.metadata.name': 'running-tr' }, summary: { record: runRecordName('ci', running, running), type: 'tekton.dev/v1.TaskRun', status: 'UNKNOWN' }, version: 2, same_time: true },
        { name: finishedUid, annotations: { 'tekton.dev/pipelineRun': 'done-pr', 'object.metadata.name': 'done-pr' }, summary: { ...old, record: runRecordName('ci', finishedUid, finishedUid) }, version: 2, same_time: true },
      ]);
    } finally {
      await db.drop();
    }
  });
});
