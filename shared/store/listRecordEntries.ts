/**
 * One page of a records list holding both kinds of record, as a Tekton Results records list
 * does: each `records` row is an EventList record and a run record (queryRunRecords.ts).
 *
 * Order: by (order column, row id, kind), every part in the list's direction, the EventList of a
 * row ranking before its run record. Each kind is read by its own keyset query, bounded to
 * page_size + 1 rows and skipped when the filter cannot select that kind; the two are merged
 * here. The cursor names the kind of the last record: the next page starts at that row again
 * for the kind that follows it in the order, after it for the other.
 */
import type pg from 'pg';
import type { RecordFilters, KindFilter } from '../filter/recordFilters.js';
import type { Cursor, ListOptions, RecordKind } from './listing.js';
import { listRecordHeads, type RecordHead, type RecordScope } from './queryRecords.js';
import { listRunRecordHeads, type RunRecordHead } from './queryRunRecords.js';

/** A record of the page, without its body (an EventList's items, a run's status): those are read for the records that fit. */
export type RecordEntry = { kind: 'eventList'; head: RecordHead } | { kind: 'run'; row: RunRecordHead };

export interface EntryPage {
  items: RecordEntry[];
  next: Cursor | null;
}

const RANK: Record<RecordKind, number> = { eventList: 0, run: 1 };

const rowOf = (e: RecordEntry) => (e.kind === 'eventList' ? e.head : e.row);

export function cursorOf(e: RecordEntry): Cursor {
  const r = rowOf(e);
  return { sortValue: r.sort_value, id: r.id, kind: e.kind };
}

/** Ascending order of (sort value, id, kind); sort values are fixed-width UTC text (recordSortValue). */
function compareAsc(a: RecordEntry, b: RecordEntry): number {
  const x = rowOf(a);
  const y = rowOf(b);
  if (x.sort_value !== y.sort_value) return x.sort_value < y.sort_value ? -1 : 1;
  if (x.id !== y.id) return x.id < y.id ? -1 : 1;
  return RANK[a.kind] - RANK[b.kind];
}

/** Where the list of `kind` resumes after the cursor: at the cursor's row when `kind` comes later in it. */
function resumeFor(kind: RecordKind, cursor: Cursor | null, desc: boolean): Cursor | null {
  if (!cursor) return null;
  const last = RANK[cursor.kind ?? 'eventList'];
  const later = desc ? RANK[kind] < last : RANK[kind] > last;
  return { sortValue: cursor.sortValue, id: cursor.id, inclusive: later };
}

function optsFor(kind: RecordKind, f: KindFilter, opts: ListOptions): ListOptions {
  return {
    ...opts,
    filter: f.matches === 'some' ? f.sql : undefined,
    cursor: resumeFor(kind, opts.cursor, opts.order.direction === 'desc'),
  };
}

/**
 * Each kind's query returns at most page_size records (and whether there are more); the first
 * page_size of the two merged are the first page_size of the whole list, since neither kind
 * can hold more than page_size of them.
 */
export async function listRecordEntries(db: pg.ClientBase | pg.Pool, scope: RecordScope, opts: ListOptions, filters: RecordFilters): Promise<EntryPage> {
  const entries: RecordEntry[] = [];
  let more = false;
  // One after the other: a request holds one connection.
  if (filters.eventLists.matches !== 'none') {
    const page = await listRecordHeads(db, scope, optsFor('eventList', filters.eventLists, opts));
    for (const head of page.items) entries.push({ kind: 'eventList', head });
    more ||= page.next !== null;
  }
  if (filters.runs.matches !== 'none') {
    const page = await listRunRecordHeads(db, scope, optsFor('run', filters.runs, opts));
    for (const row of page.items) entries.push({ kind: 'run', row });
    more ||= page.next !== null;
  }
  const sign = opts.order.direction === 'desc' ? -1 : 1;
  entries.sort((a, b) => sign * compareAsc(a, b));
  if (!more && entries.length <= opts.pageSize) return { items: entries, next: null };
  const items = entries.slice(0, opts.pageSize);
  return { items, next: cursorOf(items[items.length - 1]!) };
}
