/** Shutdown: stop taking requests, answer those in flight after their commit, then stop. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { INGEST_TOKEN } from '../helpers/server.js';
import { listen } from '../../functions/server.js';
import { createIngestHandler } from '../../functions/ingest/handler.js';
import { eventCe, newRun, send, storedEvent } from '../helpers/ce.js';
import { until } from '../helpers/until.js';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});

describe('shutdown', () => {
  it('answers a request that is mid-commit, refuses new connections, and only then resolves', async () => {
    const { url, close } = await listen(createIngestHandler({ pool: db.pool, tokens: [INGEST_TOKEN] }), 1 << 20, 0);
    const tr = newRun('TaskRun', 'shutdown');
    expect((await send(url, [eventCe(storedEvent({ taskName: tr.name }), tr, null)])).status).toBe(200);

    // Hold the run's record row, so the next append waits inside Postgres.
    const holder = await db.pool.connect();
    await holder.query('begin');
    await holder.query('select id from records for update');
    const pending = send(url, [eventCe(storedEvent({ taskName: tr.name }), tr, null)]);
    await until(
      async () => (await db.pool.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`)).rows[0]!.n,
      (n) => n > 0,
      'the append to wait on the held row',
    );

    let closed = false;
    const closing = close().then(() => (closed = true));
    await expect(fetch(`${url}/ingest`, { method: 'POST' })).rejects.toThrow();
    expect(closed).toBe(false);

    await holder.query('commit');
    holder.release();
    const res = await pending;
    expect(res.status).toBe(200);
    await closing;
    const { rows } = await db.pool.query<{ n: number }>('select count(*)::int as n from record_events');
    expect(rows[0]!.n).toBe(2);
  });
});
