/**
 * Retention cleanup on the real Postgres: what it deletes, what it keeps, how it reports,
 * batches and budgets, and who may call it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { startTestServer, QUERY_TOKEN, type TestServer } from '../helpers/server.js';
import { createCleanupHandler, runCleanup } from '../../functions/cleanup/handler.js';

const CLEANUP_TOKEN = 'test-cleanup-token-0123456789';

/** One Result with `records` EventLists of `events` items each, last updated `ageDays` ago. */
async function seedResult(pool: pg.Pool, ageDays: number, records = 2, events = 3, parent = 'ci'): Promise<string> {
  const name = randomUUID();
  const { rows } = await pool.query<{ id: string }>({
    text: `insert into results (parent, name, run_kind, run_name, create_time, update_time)
           values ($1, $2, 'PipelineRun', 'p', now() - make_interval(days => $3), now() - make_interval(days => $3)) returning id`,
    values: [parent, name, ageDays],
  });
  const resultId = rows[0]!.id;
  for (let r = 0; r < records; r++) {
    const rec = await pool.query<{ id: string }>({
      text: `insert into records (result_id, parent, name, run_kind, run_name, run_uid)
             values ($1, $2, $3, 'TaskRun', 't', $4) returning id`,
      values: [resultId, parent, randomUUID(), randomUUID()],
    });
    await pool.query({
      text: `insert into record_events (record_id, event_key, series_count, last_seen, resource_version, first_seen, reason, type, event)
             select $1, 'e' || i, 1, now(), i, now(), 'Started', 'Normal', '{}'::json from generate_series(1, $2::int) i`,
      values: [rec.rows[0]!.id, events],
    });
  }
  return name;
}

async function counts(pool: pg.Pool): Promise<{ results: number; records: number; events: number }> {
  const { rows } = await pool.query<{ results: number; records: number; events: number }>(
    `select (select count(*) from results) as results, (select count(*) from records) as records,
            (select count(*) from record_events) as events`,
  );
  return rows[0]!;
}

function post(srv: TestServer, token?: string, method = 'POST'): Promise<Response> {
  return fetch(`${srv.url}/cleanup`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

describe('cleanup function', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ CLEANUP_TOKEN, RETENTION_DAYS: '30', CLEANUP_BATCH_SIZE: '2' });
  });
  afterAll(async () => srv.close());
  beforeEach(async () => {
    await srv.db.pool.query('delete from results');
    await srv.db.pool.query(`delete from settings where key = 'retention_days'`);
  });

  it('deletes Results older than the retention age with their EventLists and reports what went', async () => {
    await seedResult(srv.db.pool, 40, 2, 3);
    await seedResult(srv.db.pool, 31, 1, 5);
    const kept = await seedResult(srv.db.pool, 29, 2, 2);
    const res = await post(srv, CLEANUP_TOKEN);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ retention_days: 30, deleted_results: 2, deleted_records: 3, deleted_events: 11, more: false });
    expect(await counts(srv.db.pool)).toEqual({ results: 1, records: 2, events: 4 });
    const left = await srv.db.pool.query('select name from results');
    expect(left.rows).toEqual([{ name: kept }]);
  });

  it('works through many old Results in batches of CLEANUP_BATCH_SIZE', async () => {
    for (let i = 0; i < 5; i++) await seedResult(srv.db.pool, 60 + i, 1, 1);
    const body = (await (await post(srv, CLEANUP_TOKEN)).json()) as Record<string, unknown>;
    // 2 + 2 + 1: the short third batch shows nothing is left
    expect(body).toMatchObject({ deleted_results: 5, deleted_records: 5, deleted_events: 5, batches: 3, more: false });
    expect(await counts(srv.db.pool)).toEqual({ results: 0, records: 0, events: 0 });
  });

  it('stops when the time budget is spent, says more is left, and the next call goes on', async () => {
    for (let i = 0; i < 5; i++) await seedResult(srv.db.pool, 90, 1, 1);
    const deps = { pool: srv.db.pool, token: CLEANUP_TOKEN, retentionDays: 30, batchSize: 2, timeBudgetMs: 0 };
    const first = await runCleanup(deps);
    expect(first).toMatchObject({ deleted_results: 2, batches: 1, more: true });
    const second = await runCleanup(deps);
    expect(second).toMatchObject({ deleted_results: 2, batches: 1, more: true });
    const third = await runCleanup(deps);
    expect(third).toMatchObject({ deleted_results: 1, batches: 1, more: false });
  });

  it('uses the retention_days setting when RETENTION_DAYS is not configured', async () => {
    await srv.db.pool.query(`insert into settings (key, value) values ('retention_days', '7')`);
    await seedResult(srv.db.pool, 8);
    await seedResult(srv.db.pool, 6);
    const report = await runCleanup({ pool: srv.db.pool, token: CLEANUP_TOKEN, retentionDays: undefined, batchSize: 10, timeBudgetMs: 1000 });
    expect(report).toMatchObject({ retention_days: 7, deleted_results: 1 });
    expect((await counts(srv.db.pool)).results).toBe(1);
  });

  it('defaults to 30 days when neither the variable nor the setting says otherwise', async () => {
    await seedResult(srv.db.pool, 31);
    await seedResult(srv.db.pool, 29);
    const report = await runCleanup({ pool: srv.db.pool, token: CLEANUP_TOKEN, retentionDays: undefined, batchSize: 10, timeBudgetMs: 1000 });
    expect(report).toMatchObject({ retention_days: 30, deleted_results: 1 });
  });

  it('answers 401 without a token or with a wrong one, and deletes nothing', async () => {
    await seedResult(srv.db.pool, 100);
    for (const token of [undefined, 'not-the-cleanup-token-at-all']) {
      const res = await post(srv, token);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect((await counts(srv.db.pool)).results).toBe(1);
  });

  it('answers 405 to anything but POST', async () => {
    const res = await post(srv, CLEANUP_TOKEN, 'GET');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('refuses every call with 403 when no CLEANUP_TOKEN is configured', async () => {
    await seedResult(srv.db.pool, 100);
    const handler = createCleanupHandler({ pool: srv.db.pool, token: undefined, retentionDays: 1, batchSize: 10, timeBudgetMs: 1000 });
    const res = await handler({ method: 'POST', path: '/cleanup', query: new URLSearchParams(), headers: { authorization: 'Bearer anything' }, body: Buffer.alloc(0) });
    expect(res.status).toBe(403);
    expect((await counts(srv.db.pool)).results).toBe(1);
  });

  it('deleting a Result through the query API removes its EventLists and their events', async () => {
    const doomed = await seedResult(srv.db.pool, 1, 2, 4);
    await seedResult(srv.db.pool, 1, 1, 1);
    const res = await fetch(`${srv.url}/apis/results.tekton.dev/v1alpha2/parents/ci/results/${doomed}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${QUERY_TOKEN}` },
    });
    expect(res.status).toBeLessThan(300);
    expect(await counts(srv.db.pool)).toEqual({ results: 1, records: 1, events: 1 });
  });
});
