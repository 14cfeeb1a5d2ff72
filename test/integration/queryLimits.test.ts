/**
 * A query cannot take the service down: it is stopped at QUERY_TIMEOUT_MS (and says so), it is
 * cancelled in Postgres when its client goes away, it runs on connections of its own so ingest
 * and health keep answering, and a records page is bounded by bytes as well as by count.
 * Slow queries are made deterministic by holding a lock the query must wait for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import pg from 'pg';
import { loadConfig } from '../../shared/config.js';
import { buildFunctions, endPools, type Functions } from '../../functions/runtime.js';
import { listen, routeAll, serverLimits } from '../../functions/server.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { closeServer, INGEST_TOKEN, QUERY_TOKEN } from '../helpers/server.js';
import { API, eventCe, newRun, query, send, statusCe, storedEvent } from '../helpers/ce.js';
import { until } from '../helpers/until.js';

interface Srv {
  url: string;
  fns: Functions;
  server: Server;
}

let db: TestDb;
let fast: Srv; // QUERY_TIMEOUT_MS=300, small pages
let patient: Srv; // a long timeout and two query connections
let locker: pg.Client;

async function start(env: Record<string, string>): Promise<Srv> {
  const config = loadConfig({ DATABASE_URL: db.url, INGEST_TOKEN, QUERY_TOKEN, ...env });
  const fns = await buildFunctions(config); // one pool per role, as npm start runs them
  const { server, url } = await listen(routeAll(fns), config.MAX_BODY_BYTES, 0, '127.0.0.1', serverLimits(config, fns.gate));
  return { url, fns, server };
}

/** Backends of the query pool waiting on a lock. */
async function waitingQueries(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = 'tekton-events query' and state = 'active' and wait_event_type = 'Lock'`,
  );
  return rows[0]!.n;
}

/** Holds an exclusive lock on `table` until the returned function is called. */
async function lockTable(table: 'records' | 'results'): Promise<() => Promise<void>> {
  await locker.query('begin');
  await locker.query(`lock table ${table} in access exclusive mode`); // a constant name
  return async () => void (await locker.query('rollback'));
}

beforeAll(async () => {
  db = await createTestDb();
  locker = new pg.Client({ connectionString: db.url });
  await locker.connect();
  fast = await start({ QUERY_TIMEOUT_MS: '300', MAX_PAGE_BYTES: String(64 * 1024) });
  patient = await start({ QUERY_TIMEOUT_MS: '60000', PG_POOL_MAX: '2' });
});

afterAll(async () => {
  await locker.end();
  for (const s of [fast, patient]) {
    await closeServer(s.server);
    await endPools(s.fns.pools);
  }
  await db.drop();
});

describe('query limits', () => {
  it('stops a query that runs over QUERY_TIMEOUT_MS and answers 503 naming the limit', async () => {
    const release = await lockTable('records');
    try {
      const res = await query(fast.url, '/-/results/-/records');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(res.body.detail).toContain('300 ms (QUERY_TIMEOUT_MS)');
    } finally {
      await release();
    }
    expect((await query(fast.url, '/-/results/-/records')).status).toBe(200);
  });

  it('cancels the query in Postgres when its client goes away', async () => {
    const release = await lockTable('records');
    try {
      const gone = new AbortController();
      const pending = fetch(`${patient.url}${API}/-/results/-/records`, { headers: { authorization: `Bearer ${QUERY_TOKEN}` }, signal: gone.signal }).catch(() => 'aborted');
      await until(waitingQueries, (n) => n === 1, 'the query to wait on the lock');
      gone.abort();
      expect(await pending).toBe('aborted');
      // Still under the lock: only a cancel can have ended it.
      await until(waitingQueries, (n) => n === 0, 'the query to be cancelled', 10_000);
    } finally {
      await release();
    }
  });

  it('keeps ingest, /healthz and /readyz answering while every query connection is busy', async () => {
    const busy = newRun('TaskRun', 'busy');
    expect((await send(patient.url, [eventCe(storedEvent({}), busy, null)])).status).toBe(200);
    // Deletes of a result whose row is locked wait: they hold both query connections.
    await locker.query('begin');
    await locker.query({ text: 'select 1 from results where name = $1 for update', values: [busy.uid] });
    const gone = new AbortController();
    try {
      const stuck = Array.from({ length: 6 }, () =>
        fetch(`${patient.url}${API}/ci/results/${busy.uid}`, { method: 'DELETE', headers: { authorization: `Bearer ${QUERY_TOKEN}` }, signal: gone.signal }).catch(() => undefined),
      );
      await until(waitingQueries, (n) => n === 2, 'both query connections to wait on the lock');
      const stored = await send(patient.url, [eventCe(storedEvent({}), newRun('TaskRun', 'meanwhile'), null)]);
      expect(stored.status).toBe(200);
      expect((await fetch(`${patient.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${patient.url}/readyz`)).status).toBe(200);
      gone.abort();
      await Promise.all(stuck);
      await until(waitingQueries, (n) => n === 0, 'the abandoned deletes to be cancelled', 10_000);
    } finally {
      gone.abort();
      await locker.query('rollback');
    }
  });

  it('marks every query answer Cache-Control: no-store, errors included', async () => {
    expect((await query(fast.url, '/ci/results')).headers.get('cache-control')).toBe('no-store');
    expect((await query(fast.url, '/ci/results/nope')).headers.get('cache-control')).toBe('no-store');
    const anonymous = await fetch(`${fast.url}${API}/ci/results`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('cache-control')).toBe('no-store');
  });

  it('answers a delete that keeps conflicting with writers with 409 and says why', async () => {
    const run = newRun('TaskRun', 'contended');
    expect((await send(fast.url, [eventCe(storedEvent({}), run, null)])).status).toBe(200);
    // What a deadlock with an append looks like to the delete, every time it tries.
    await db.pool.query(`create function deadlock() returns trigger language plpgsql as $$
      begin raise exception 'deadlock detected' using errcode = '40P01'; end $$`);
    await db.pool.query('create trigger always_deadlock before delete on results for each row execute function deadlock()');
    try {
      const res = await query(fast.url, `/ci/results/${run.uid}`, { method: 'DELETE' });
      expect(res.status).toBe(409);
      expect(res.body.detail).toContain('is being written to');
      expect(res.body.detail).not.toContain('unavailable');
    } finally {
      await db.pool.query('drop trigger always_deadlock on results');
    }
  });
});

describe('records pages bounded by bytes', () => {
  /** `runs` TaskRuns of `events` Events, each with a note of `noteBytes`. */
  async function seed(url: string, ns: string, runs: number, events: number, noteBytes: number): Promise<void> {
    for (let r = 0; r < runs; r++) {
      const run = newRun('TaskRun', `big-${r}`);
      const ces = Array.from({ length: events }, (_, i) => eventCe(storedEvent({ namespace: ns, note: `${i} ${'x'.repeat(noteBytes)}` }), run, null, ns));
      const res = await send(url, ces);
      expect(res.status, await res.clone().text()).toBe(200);
    }
  }

  /** The records of every page of `path` (10 pages at most), each page checked to be 200 and within 64 KiB. */
  async function readPages(path: string): Promise<{ records: { name: string; data: { value: string } }[]; pages: number }> {
    const records: { name: string; data: { value: string } }[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await query(fast.url, `${path}${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body).length).toBeLessThanOrEqual(64 * 1024);
      records.push(...(res.body.records as typeof records));
      token = res.body.next_page_token;
      pages++;
    } while (token && pages < 10);
    return { records, pages };
  }

  it('ends a page before MAX_PAGE_BYTES with a next_page_token, and the pages hold every record once', async () => {
    await seed(fast.url, 'bytes', 5, 10, 2_000); // ≈ 27 KB of JSON per record, 64 KiB pages
    const { records, pages } = await readPages('/bytes/results/-/records?page_size=100');
    const seen = records.map((r) => r.name);
    expect(pages).toBeGreaterThan(1);
    // each run's EventList and run record, once each
    expect(new Set(seen).size).toBe(10);
    expect(seen).toHaveLength(10);
  });

  it('bounds pages of run records by bytes too: a run status with many steps is sized before it is read', async () => {
    const ns = 'steps';
    for (let r = 0; r < 4; r++) {
      const run = newRun('TaskRun', `many-steps-${r}`);
      const steps = Array.from({ length: 100 }, (_, i) => ({ name: `step-${i}`, exitCode: 1, reason: `${i} ${'r'.repeat(150)}` }));
      const res = await send(fast.url, [eventCe(storedEvent({ namespace: ns }), run, null, ns), statusCe(run, null, { reason: 'Failed', message: 'x', steps }, 500, ns)]);
      expect(res.status, await res.clone().text()).toBe(200);
    }
    const { records, pages } = await readPages(`/${ns}/results/-/records?page_size=100&filter=${encodeURIComponent('data_type == TASK_RUN')}`);
    const seen = records.map((r) => r.name);
    for (const r of records) expect(JSON.parse(Buffer.from(r.data.value, 'base64').toString('utf8')).status.steps).toHaveLength(100);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(4);
    expect(seen).toHaveLength(4);
  });

  it('streams a large page in the same JSON shape', async () => {
    await seed(patient.url, 'stream', 12, 50, 2_000); // ≈ 1.8 MB of JSON in all
    const res = await fetch(`${patient.url}${API}/stream/results/-/records?page_size=1000`, { headers: { authorization: `Bearer ${QUERY_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const body = (await res.json()) as { records: { name: string; data: { type: string; value: string } }[]; next_page_token?: string };
    expect(Object.keys(body)).toEqual(['records']);
    // the run records stream between the EventLists, in the page's order
    expect(body.records.map((r) => r.data.type)).toEqual(Array.from({ length: 12 }, () => ['results.tekton.dev/v1.EventList', 'tekton.dev/v1.TaskRun']).flat());
    const items = JSON.parse(Buffer.from(body.records[0]!.data.value, 'base64').toString('utf8')) as { items: unknown[] };
    expect(items.items).toHaveLength(50);
    const run = JSON.parse(Buffer.from(body.records[1]!.data.value, 'base64').toString('utf8')) as { kind: string };
    expect(run.kind).toBe('TaskRun');
  });
});
