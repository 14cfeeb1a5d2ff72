/**
 * One page of records, bounded by bytes as well as by count. The page's records are listed
 * with the size of their EventLists (not the lists themselves); the page ends before the
 * record that would take it over MAX_PAGE_BYTES (it always holds at least one), and
 * `next_page_token` continues after the last record given. A page over STREAM_OVER_BYTES is
 * written as it is read, a slice of records at a time, so the function holds one slice in
 * memory, not the page: six concurrent 4 MiB pages cost a few MiB, not hundreds.
 */
import type pg from 'pg';
import { json, type CoreResponse } from '../../shared/http/core.js';
import { lease } from '../../shared/db/pool.js';
import type { Cursor, ListOptions, Page } from '../../shared/store/listing.js';
import { listRecordHeads, recordData, type RecordHead, type RecordScope } from '../../shared/store/queryRecords.js';
import { renderRecord, renderedRecordBytes } from './render.js';
import { applyFields, type FieldMask } from './fieldMask.js';

/** Smaller answers are built whole (one round trip, a Content-Length); larger ones streamed. */
export const STREAM_OVER_BYTES = 1024 * 1024;
/** About how many bytes of records one round trip of a streamed page fetches. */
const SLICE_BYTES = 1024 * 1024;

/** The records that fit in `maxBytes` (at least one), and where the next page starts. */
export function cutByBytes(page: Page<RecordHead>, maxBytes: number): Page<RecordHead> & { bytes: number } {
  let bytes = 0;
  let n = 0;
  for (const head of page.items) {
    const size = renderedRecordBytes(head.data_bytes);
    if (n > 0 && bytes + size > maxBytes) break;
    bytes += size;
    n++;
  }
  if (n === page.items.length) return { ...page, bytes };
  const items = page.items.slice(0, n);
  const last = items[items.length - 1]!;
  const next: Cursor = { sortValue: last.sort_value, id: last.id };
  return { items, next, bytes };
}

/** Consecutive runs of records of about SLICE_BYTES each (at least one record). */
function slices(items: RecordHead[]): RecordHead[][] {
  const out: RecordHead[][] = [];
  let current: RecordHead[] = [];
  let bytes = 0;
  for (const head of items) {
    const size = renderedRecordBytes(head.data_bytes);
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
  items: RecordHead[],
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
      const data = await recordData(l.client, slice.map((h) => h.id));
      for (const head of slice) {
        const text = data.get(head.id);
        if (text === undefined) continue; // deleted since the page was listed
        const record = renderRecord({ ...head, data: text });
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
  token: (next: Cursor | null) => string | undefined;
}

export async function recordsPage(a: RecordsPageArgs): Promise<CoreResponse> {
  const page = cutByBytes(await listRecordHeads(a.db, a.scope, a.opts), a.maxPageBytes);
  const nextToken = a.token(page.next);
  if (page.bytes > STREAM_OVER_BYTES) {
    return { status: 200, headers: { 'content-type': 'application/json' }, body: streamed(a.pool, a.signal, page.items, nextToken, a.mask) };
  }
  const data = page.items.length > 0 ? await recordData(a.db, page.items.map((h) => h.id)) : new Map<string, string>();
  const records = page.items.filter((h) => data.has(h.id)).map((h) => renderRecord({ ...h, data: data.get(h.id)! }));
  const body: Record<string, unknown> = { records };
  if (nextToken) body['next_page_token'] = nextToken;
  return json(200, applyFields(body, a.mask));
}
