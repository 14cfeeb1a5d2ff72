/**
 * One page of records, bounded by bytes as well as by count. The page's records (EventLists and
 * run records: listRecordEntries.ts) are listed with the size of their bodies (an EventList's
 * items, a run's status), not the bodies; the page ends before the
 * record that would take it over MAX_PAGE_BYTES (it always holds at least one), and
 * `next_page_token` continues after the last record given. A page over STREAM_OVER_BYTES is
 * written as it is read, a slice of records at a time, so the function holds one slice in
 * memory, not the page: six concurrent 4 MiB pages cost a few MiB, not hundreds.
 */
import type pg from 'pg';
import { json, type CoreResponse } from '../../shared/http/core.js';
import { lease } from '../../shared/db/pool.js';
import type { Cursor, ListOptions } from '../../shared/store/listing.js';
import { recordData, type RecordScope } from '../../shared/store/queryRecords.js';
import { runStatuses } from '../../shared/store/queryRunRecords.js';
import type { RunStatus } from '../../shared/event.js';
import { cursorOf, listRecordEntries, type EntryPage, type RecordEntry } from '../../shared/store/listRecordEntries.js';
import type { RecordFilters } from '../../shared/filter/recordFilters.js';
import { renderRecord, renderedRecordBytes, renderedRunRecordBytes, renderRunRecord } from './render.js';
import { applyFields, type FieldMask } from './fieldMask.js';

/** Smaller answers are built whole (one round trip, a Content-Length); larger ones streamed. */
export const STREAM_OVER_BYTES = 1024 * 1024;
/** About how many bytes of records one round trip of a streamed page fetches. */
const SLICE_BYTES = 1024 * 1024;

/** A page entry with about how many bytes it will take. */
type Sized = RecordEntry & { bytes: number };

function sized(e: RecordEntry): Sized {
  return { ...e, bytes: e.kind === 'eventList' ? renderedRecordBytes(e.head.data_bytes) : renderedRunRecordBytes(e.row) };
}

/** The records that fit in `maxBytes` (at least one), and where the next page starts. */
export function cutByBytes(page: EntryPage, maxBytes: number): { items: Sized[]; next: Cursor | null; bytes: number } {
  let bytes = 0;
  const items: Sized[] = [];
  for (const entry of page.items) {
    const s = sized(entry);
    if (items.length > 0 && bytes + s.bytes > maxBytes) break;
    bytes += s.bytes;
    items.push(s);
  }
  if (items.length === page.items.length) return { items, next: page.next, bytes };
  return { items, next: cursorOf(items[items.length - 1]!), bytes };
}

/** The bodies of some records of a page: EventList texts and run statuses, by row id. */
interface Bodies {
  data: Map<string, string>;
  statuses: Map<string, RunStatus | null>;
}

/** At most two queries, each for the records of one kind among `items`. */
async function bodies(db: pg.ClientBase, items: Sized[]): Promise<Bodies> {
  const lists = items.flatMap((e) => (e.kind === 'eventList' ? [e.head.id] : []));
  const runs = items.flatMap((e) => (e.kind === 'run' ? [e.row.id] : []));
  return {
    data: lists.length > 0 ? await recordData(db, lists) : new Map(),
    statuses: runs.length > 0 ? await runStatuses(db, runs) : new Map(),
  };
}

/** The record as JSON, or undefined for one deleted since the page was listed. */
function render(e: Sized, b: Bodies): Record<string, unknown> | undefined {
  if (e.kind === 'run') return b.statuses.has(e.row.id) ? renderRunRecord({ ...e.row, run_status: b.statuses.get(e.row.id)! }) : undefined;
  const text = b.data.get(e.head.id);
  return text === undefined ? undefined : renderRecord({ ...e.head, data: text });
}

/** Consecutive runs of records of about SLICE_BYTES each (at least one record). */
function slices(items: Sized[]): Sized[][] {
  const out: Sized[][] = [];
  let current: Sized[] = [];
  let bytes = 0;
  for (const head of items) {
    const size = head.bytes;
    if (current.length > 0 && bytes + size > SLICE_BYTES) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(head);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The JSON of a page, piece by piece, on a connection of its own (taken when the first piece is asked for). */
async function* streamed(
  pool: pg.Pool,
  signal: AbortSignal | undefined,
  items: Sized[],
  nextToken: string | undefined,
  mask: FieldMask | undefined,
): AsyncGenerator<string> {
  // `fields` as applyFields applies it to the whole body: top-level members it names, each record reduced.
  const withRecords = !mask || mask.has('records');
  const withToken = nextToken !== undefined && (!mask || mask.has('next_page_token'));
  if (!withRecords) {
    yield withToken ? `{"next_page_token":${JSON.stringify(nextToken)}}` : '{}';
    return;
  }
  const l = await lease(pool, signal);
  let failed: unknown;
  try {
    yield '{"records":[';
    let first = true;
    for (const slice of slices(items)) {
      signal?.throwIfAborted();
      const b = await bodies(l.client, slice);
      for (const entry of slice) {
        const record = render(entry, b);
        if (record === undefined) continue; // deleted since the page was listed
        const shown = mask ? (applyFields({ records: [record] }, mask)['records'] as unknown[])[0] : record;
        yield (first ? '' : ',') + JSON.stringify(shown);
        first = false;
      }
    }
    yield `]${withToken ? `,"next_page_token":${JSON.stringify(nextToken)}` : ''}}`;
  } catch (err) {
    failed = err;
    throw err;
  } finally {
    l.release(failed);
  }
}

export interface RecordsPageArgs {
  /** the request's connection, for the listing and a small page's lists */
  db: pg.ClientBase;
  /** where a streamed page takes its own connection from, once the request's is given back */
  pool: pg.Pool;
  signal: AbortSignal | undefined;
  mask: FieldMask | undefined;
  maxPageBytes: number;
  scope: RecordScope;
  opts: ListOptions;
  filters: RecordFilters;
  token: (next: Cursor | null) => string | undefined;
}

export async function recordsPage(a: RecordsPageArgs): Promise<CoreResponse> {
  const page = cutByBytes(await listRecordEntries(a.db, a.scope, a.opts, a.filters), a.maxPageBytes);
  const nextToken = a.token(page.next);
  if (page.bytes > STREAM_OVER_BYTES) {
    return { status: 200, headers: { 'content-type': 'application/json' }, body: streamed(a.pool, a.signal, page.items, nextToken, a.mask) };
  }
  const b = await bodies(a.db, page.items);
  const records = page.items.map((e) => render(e, b)).filter((r) => r !== undefined);
  const body: Record<string, unknown> = { records };
  if (nextToken) body['next_page_token'] = nextToken;
  return json(200, applyFields(body, a.mask));
}
