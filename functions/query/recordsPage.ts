/**
 * One page of records, bounded by bytes as well as by count. The page's records are listed
 * with the size of their EventLists (not the lists themselves) beside the run records (small,
 * read whole: listRecordEntries.ts); the page ends before the
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
import { cursorOf, listRecordEntries, type EntryPage, type RecordEntry } from '../../shared/store/listRecordEntries.js';
import type { RecordFilters } from '../../shared/filter/recordFilters.js';
import { renderRecord, renderedRecordBytes, renderRunRecord } from './render.js';
import { applyFields, type FieldMask } from './fieldMask.js';

/** Smaller answers are built whole (one round trip, a Content-Length); larger ones streamed. */
export const STREAM_OVER_BYTES = 1024 * 1024;
/** About how many bytes of records one round trip of a streamed page fetches. */
const SLICE_BYTES = 1024 * 1024;

/** A page entry with what it will take: a run record is rendered at once (it is small and whole). */
type Sized = RecordEntry & { bytes: number; rendered?: Record<string, unknown> };

function sized(e: RecordEntry): Sized {
  if (e.kind === 'eventList') return { ...e, bytes: renderedRecordBytes(e.head.data_bytes) };
  const rendered = renderRunRecord(e.row);
  return { ...e, rendered, bytes: JSON.stringify(rendered).length };
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

const eventListIds = (items: Sized[]) => items.flatMap((e) => (e.kind === 'eventList' ? [e.head.id] : []));

/** The record as JSON, or undefined for an EventList deleted since the page was listed. */
function render(e: Sized, data: Map<string, string>): Record<string, unknown> | undefined {
  if (e.kind === 'run') return e.rendered;
  const text = data.get(e.head.id);
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
      const ids = eventListIds(slice);
      const data = ids.length > 0 ? await recordData(l.client, ids) : new Map<string, string>();
      for (const entry of slice) {
        const record = render(entry, data);
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
  const ids = eventListIds(page.items);
  const data = ids.length > 0 ? await recordData(a.db, ids) : new Map<string, string>();
  const records = page.items.map((e) => render(e, data)).filter((r) => r !== undefined);
  const body: Record<string, unknown> = { records };
  if (nextToken) body['next_page_token'] = nextToken;
  return json(200, applyFields(body, a.mask));
}
