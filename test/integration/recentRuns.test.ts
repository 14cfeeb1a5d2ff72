/** The `/ui` list query: newest first, filters, paging, and a bounded read whatever the filter. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { recentRuns, recentRunsQuery, type RecentRunsQuery } from '../../shared/store/recentRuns.js';

let db: TestDb;
const T0 = Date.parse('2026-03-01T00:00:00Z');

/** 30 runs in `ci` (every 5th failed), 10 in `web` (all succeeded), one running in `ops`. */
beforeAll(async () => {
  db = await createTestDb();
  const rows: unknown[][] = [];
  for (let i = 0; i < 30; i++) rows.push(['ci', `build-${i}`, i % 5 === 0 ? 'FAILURE' : 'SUCCESS', T0 + i * 60_000]);
  for (let i = 0; i < 10; i++) rows.push(['web', `deploy-${i}`, 'SUCCESS', T0 + i * 60_000 + 30_000]);
  rows.push(['ops', 'nightly-1', null, T0 + 3600_000]);
  for (const [parent, runName, status, t] of rows) {
    const summary = status ? JSON.stringify({ status, start_time: new Date(t as number).toISOString(), end_time: null, annotations: { reason: status === 'FAILURE' ? 'Failed' : 'Succeeded', message: '' } }) : null;
    await db.pool.query({
      text: `insert into results (parent, name, run_kind, run_name, summary, create_time) values ($1, $2, 'PipelineRun', $3, $4::jsonb, $5::timestamptz)`,
      values: [parent, randomUUID(), runName, summary, new Date(t as number).toISOString()],
    });
  }
});
afterAll(() => db.drop());

const q = (over: Partial<RecentRunsQuery>): RecentRunsQuery => ({ namespaces: null, pageSize: 50, window: 1000, ...over });

describe('recentRuns', () => {
  it('lists the newest runs first across every namespace', async () => {
    const page = await recentRuns(db.pool, q({ pageSize: 3 }));
    expect(page.runs.map((r) => r.runName)).toEqual(['nightly-1', 'build-29', 'build-28']);
    expect(page.runs[0]!.status).toBeNull();
    expect(page.next).not.toBeNull();
  });

  it('shows only the namespaces in scope', async () => {
    const page = await recentRuns(db.pool, q({ namespaces: ['web', 'ops'] }));
    expect(new Set(page.runs.map((r) => r.parent))).toEqual(new Set(['web', 'ops']));
    expect(page.runs).toHaveLength(11);
    expect(page.next).toBeNull();
  });

  it('filters by status and by part of the name', async () => {
    const failed = await recentRuns(db.pool, q({ status: 'failed' }));
    expect(failed.runs.map((r) => r.runName)).toEqual(['build-25', 'build-20', 'build-15', 'build-10', 'build-5', 'build-0']);
    expect(failed.runs[0]).toMatchObject({ status: 'FAILURE', reason: 'Failed', parent: 'ci' });
    const running = await recentRuns(db.pool, q({ status: 'running' }));
    expect(running.runs.map((r) => r.runName)).toEqual(['nightly-1']);
    const named = await recentRuns(db.pool, q({ nameContains: 'DEPLOY-9' }));
    expect(named.runs.map((r) => r.runName)).toEqual(['deploy-9']);
  });

  it('pages through every run once, in order', async () => {
    const seen: string[] = [];
    let before: RecentRunsQuery['before'] = null;
    for (let i = 0; i < 20; i++) {
      const page = await recentRuns(db.pool, q({ pageSize: 7, before }));
      seen.push(...page.runs.map((r) => r.id));
      if (!page.next) break;
      before = page.next;
    }
    expect(seen).toHaveLength(41);
    expect(new Set(seen).size).toBe(41);
  });

  it('reads at most a window of results per page and offers to continue the search', async () => {
    // Only 6 failures among 41 runs: a window of 10 finds the newest ones and says where to go on.
    const first = await recentRuns(db.pool, q({ status: 'failed', window: 10, namespaces: ['ci'] }));
    expect(first.runs.map((r) => r.runName)).toEqual(['build-25', 'build-20']);
    expect(first.next).not.toBeNull();
    const found = [...first.runs];
    let before = first.next;
    while (before) {
      const page = await recentRuns(db.pool, q({ status: 'failed', window: 10, namespaces: ['ci'], before }));
      found.push(...page.runs);
      before = page.next;
    }
    expect(found.map((r) => r.runName)).toEqual(['build-25', 'build-20', 'build-15', 'build-10', 'build-5', 'build-0']);
  });

  it('counts a first-sight summary (UNKNOWN, no end_time) as running, and an UNKNOWN that ended as unknown', async () => {
    const t = (m: number) => new Date(T0 - m * 60_000).toISOString();
    for (const [name, summary, at] of [
      ['lab-running', { record: 'x', type: 'tekton.dev/v1.PipelineRun', status: 'UNKNOWN' }, t(3)],
      ['lab-ended', { status: 'UNKNOWN', start_time: t(2), end_time: t(1), annotations: { reason: '', message: '' } }, t(2)],
      ['lab-failed', { status: 'FAILURE', start_time: t(1), end_time: t(0), annotations: { reason: 'Failed', message: '' } }, t(1)],
    ] as const) {
      await db.pool.query({
        text: `insert into results (parent, name, run_kind, run_name, summary, create_time) values ('lab', $1, 'PipelineRun', $2, $3::jsonb, $4::timestamptz)`,
        values: [randomUUID(), name, JSON.stringify(summary), at],
      });
    }
    const names = async (status?: RecentRunsQuery['status']) => (await recentRuns(db.pool, q({ namespaces: ['lab'], status }))).runs.map((r) => r.runName);
    expect(await names('running')).toEqual(['lab-running']);
    expect(await names('unknown')).toEqual(['lab-ended']);
    expect(await names('failed')).toEqual(['lab-failed']);
    const all = (await recentRuns(db.pool, q({ namespaces: ['lab'] }))).runs;
    expect(all.map((r) => [r.runName, r.status])).toEqual([['lab-failed', 'FAILURE'], ['lab-ended', 'UNKNOWN'], ['lab-running', null]]);
  });

  it.each([
    ['one namespace', ['bulk'], 'results_parent_create_time'],
    ['every namespace', null, 'results_create_time'],
  ])('reads %s through its index, never by a scan of the table', async (_what, namespaces, index) => {
    const client = await db.pool.connect();
    try {
      // Enough rows that the planner's choice is the one a real store gets.
      await client.query(`insert into results (parent, name, run_kind, run_name, create_time)
        select 'bulk', gen_random_uuid()::text, 'TaskRun', 'bulk-' || i, now() - i * interval '1 second'
        from generate_series(1, 20000) i where not exists (select 1 from results where parent = 'bulk')`);
      await client.query('analyze results');
      const stmt = recentRunsQuery(q({ namespaces, status: 'failed', nameContains: 'build', window: 100 }));
      const { rows } = await client.query<{ 'QUERY PLAN': string }>({ text: `explain ${stmt.text}`, values: stmt.values });
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain(index);
      expect(plan).not.toMatch(/Seq Scan on results/);
    } finally {
      client.release();
    }
  });
});
