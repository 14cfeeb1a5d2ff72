/**
 * A records list of both kinds (shared/store/listRecordEntries.ts) against a recording fake of
 * the database: which queries run for a filter, that each reads at most page_size + 1 rows, how
 * the two are merged and where the next page resumes for each kind.
 */
import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import { listRecordEntries } from '../../shared/store/listRecordEntries.js';
import { compileRecordFilters } from '../../shared/filter/recordFilters.js';
import type { Cursor, ListOptions } from '../../shared/store/listing.js';

interface Seen {
  kind: 'eventList' | 'run';
  text: string;
  values: unknown[];
  limit: number;
}

const t = (s: number) => `2026-01-01 00:00:${String(s).padStart(2, '0')}.000000+00`;
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Serves `eventLists` / `runs` (already in the query's order) up to the query's limit, and records each query. */
function fakeDb(eventLists: number[], runs: number[]): { db: pg.ClientBase; seen: Seen[] } {
  const seen: Seen[] = [];
  const db = {
    query: async ({ text, values }: { text: string; values: unknown[] }) => {
      const kind = text.includes('data_bytes') ? 'eventList' : 'run';
      const m = /limit \$(\d+)\s*$/.exec(text.trim());
      const limit = Number(values[Number(m![1]) - 1]);
      seen.push({ kind, text, values, limit });
      const rows = (kind === 'eventList' ? eventLists : runs).slice(0, limit).map((n) => ({
        id: id(n),
        parent: 'ci',
        result_name: 'r',
        name: `el-${n}`,
        type: 'results.tekton.dev/v1.EventList',
        version: 1,
        create_time: '',
        update_time: '',
        sort_value: t(n),
        data_bytes: 100,
        run_kind: 'TaskRun',
        run_name: `tr-${n}`,
        run_uid: `uid-${n}`,
        result_run_kind: 'PipelineRun',
        result_run_name: 'pr',
        task_name: null,
        run_status: null,
      }));
      return { rows };
    },
  } as unknown as pg.ClientBase;
  return { db, seen };
}

const opts = (pageSize: number, cursor: Cursor | null = null, direction: 'asc' | 'desc' = 'asc'): ListOptions => ({
  namespaces: ['ci'],
  order: { column: 'create_time', direction },
  cursor,
  pageSize,
});

const labels = (items: { kind: string; head?: { id: string }; row?: { id: string } }[]) => items.map((e) => `${e.kind === 'eventList' ? 'el' : 'run'}${Number((e.head ?? e.row)!.id.slice(-12))}`);

describe('a records list of EventLists and run records', () => {
  it('reads at most page_size + 1 rows of each kind, and merges them in (time, id, kind) order', async () => {
    const { db, seen } = fakeDb([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]);
    const page = await listRecordEntries(db, { resultName: null }, opts(3), compileRecordFilters(''));
    expect(seen.map((s) => [s.kind, s.limit])).toEqual([['eventList', 4], ['run', 4]]);
    expect(labels(page.items)).toEqual(['el1', 'run1', 'el2']);
    expect(page.next).toEqual({ sortValue: t(2), id: id(2), kind: 'eventList' });
  });

  it('resumes after the cursor for the kind it names and at its row for the kind after it', async () => {
    const { db, seen } = fakeDb([3], [2, 3]);
    const page = await listRecordEntries(db, { resultName: null }, opts(3, { sortValue: t(2), id: id(2), kind: 'eventList' }), compileRecordFilters(''));
    expect(seen.find((s) => s.kind === 'eventList')!.text).toMatch(/\(rec\.create_time, rec\.id\) > \(\$\d+::timestamptz, \$\d+::uuid\)/);
    expect(seen.find((s) => s.kind === 'run')!.text).toMatch(/\(rec\.create_time, rec\.id\) >= \(\$\d+::timestamptz, \$\d+::uuid\)/);
    expect(labels(page.items)).toEqual(['run2', 'el3', 'run3']);
    expect(page.next).toBeNull();
  });

  it('descending, a row’s run record comes first, so after a run record its EventList follows', async () => {
    const { db, seen } = fakeDb([5, 4], [4]);
    const page = await listRecordEntries(db, { resultName: null }, opts(2, { sortValue: t(5), id: id(5), kind: 'run' }, 'desc'), compileRecordFilters(''));
    expect(seen.find((s) => s.kind === 'eventList')!.text).toMatch(/\) <= \(/);
    expect(seen.find((s) => s.kind === 'run')!.text).toMatch(/\) < \(/);
    expect(labels(page.items)).toEqual(['el5', 'run4']);
    expect(page.next).toEqual({ sortValue: t(4), id: id(4), kind: 'run' });
  });

  it('gives a next page when one kind alone has more than page_size', async () => {
    const { db } = fakeDb([1, 2, 3], []);
    const page = await listRecordEntries(db, { resultName: null }, opts(2), compileRecordFilters(''));
    expect(labels(page.items)).toEqual(['el1', 'el2']);
    expect(page.next).toMatchObject({ id: id(2), kind: 'eventList' });
  });

  it.each([
    ['data_type == PIPELINE_RUN', ['run'], /rec\.run_kind = 'PipelineRun'/],
    ['(data_type=="tekton.dev/v1.TaskRun" || data_type=="tekton.dev/v1beta1.TaskRun")', ['run'], /rec\.run_kind = 'TaskRun'/],
    ['data_type == "results.tekton.dev/v1.EventList"', ['eventList'], /^(?!.*run_kind = ')/s],
    ['data.items.exists(i, i.reason == "OOMKilled")', ['eventList'], /record_events/],
    ['data.metadata.labels["tekton.dev/pipelineRun"] == "pr"', ['run'], /tekton\.dev\/pipelineRun/],
    ['data_type in ["tekton.dev/v1beta1.PipelineRun"]', [], /./],
    ['parent == "ci"', ['eventList', 'run'], /rec\.parent = \$/],
  ])('%s: queries %j only', async (filter, kinds, sql) => {
    const { db, seen } = fakeDb([1], [1]);
    await listRecordEntries(db, { resultName: null }, opts(10), compileRecordFilters(filter));
    expect(seen.map((s) => s.kind)).toEqual(kinds);
    for (const s of seen) {
      expect(s.limit).toBe(11);
      if (s.kind === 'run') expect(s.text).toMatch(sql);
    }
  });
});
