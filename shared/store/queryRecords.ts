/**
 * Reading EventList records (SPEC §4, §5). A record's items are assembled from its event rows
 * in first-observed order when it is read.
 *
 * A list is read in two steps, so a page is bounded by bytes as well as by count: first the
 * page's records without their items but with the size the items will have (`listRecordHeads`),
 * then the items of the records that fit, a few records at a time (`recordData`), so neither
 * Postgres' answer nor the function's memory holds more than a slice of a large page.
 */
import type pg from 'pg';
import { inNamespaces, keyset, recordSortValue, rfc3339, toPage, Where, type ListOptions, type Page } from './listing.js';

export interface RecordHead {
  id: string;
  parent: string;
  result_name: string;
  name: string;
  type: string;
  version: number;
  create_time: string;
  update_time: string;
  sort_value: string;
  /** the length in bytes of the EventList JSON text `data` will be */
  data_bytes: number;
}

export interface RecordRow extends Omit<RecordHead, 'data_bytes'> {
  /** the EventList JSON text */
  data: string;
}

const LIST_PREFIX = '{"kind":"EventList","apiVersion":"events.k8s.io/v1","items":[';
const LIST_SUFFIX = ']}';

const HEAD_COLUMNS = `rec.id, rec.parent, res.name as result_name, rec.name, rec.type, rec.version,
  ${rfc3339('rec.create_time')} as create_time, ${rfc3339('rec.update_time')} as update_time`;

/** The EventList text of the record aliased `rec`. The prefix and suffix are constants, never input. */
const DATA = `(select '${LIST_PREFIX}'
          || coalesce(string_agg(e.event::text, ',' order by e.first_seen, e.event_key), '') || '${LIST_SUFFIX}'
     from record_events e where e.record_id = rec.id)`;

/** Its length, without building it: the items' text plus a comma between each two. */
const DATA_BYTES = `(select ${LIST_PREFIX.length + LIST_SUFFIX.length} + coalesce(sum(octet_length(e.event::text)) + count(*) - 1, 0)
     from record_events e where e.record_id = rec.id)`;

export interface RecordScope {
  /** a result's name (run uid), or null for every result of the namespaces */
  resultName: string | null;
}

/**
 * One keyset page of `records` rows (alias `rec`, joined to their result `res`) in `scope`:
 * `columns` say what each row gives; its `sort_value` is added. The heads of EventLists and of
 * run records are both read this way.
 */
export async function recordRowsPage<T extends { id: string; sort_value: string }>(
  db: pg.ClientBase | pg.Pool,
  scope: RecordScope,
  opts: ListOptions,
  columns: string,
): Promise<Page<T>> {
  const w = new Where();
  if (opts.namespaces) w.add(inNamespaces(w, 'rec.parent', opts.namespaces));
  if (scope.resultName !== null) w.add(`res.name = ${w.param(scope.resultName)}`);
  const orderBy = keyset(w, 'rec', opts);
  const limit = w.param(opts.pageSize + 1);
  const { rows } = await db.query<T>({
    text: `select ${columns}, ${recordSortValue('rec', opts.order)} as sort_value
             from records rec join results res on res.id = rec.result_id
             ${w.sql()} order by ${orderBy} limit ${limit}`,
    values: w.values,
  });
  return toPage(rows, opts.pageSize);
}

/** One page of records by count, without their items (see `recordData`). */
export function listRecordHeads(db: pg.ClientBase | pg.Pool, scope: RecordScope, opts: ListOptions): Promise<Page<RecordHead>> {
  return recordRowsPage<RecordHead>(db, scope, opts, `${HEAD_COLUMNS}, ${DATA_BYTES}::bigint as data_bytes`);
}

/** The EventList text of each record id (a record deleted meanwhile is missing from the map). */
export async function recordData(db: pg.ClientBase | pg.Pool, ids: string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: string; data: string }>({
    text: `select rec.id, ${DATA} as data from records rec where rec.id = any($1::uuid[])`,
    values: [ids],
  });
  return new Map(rows.map((r) => [r.id, r.data]));
}

export async function getRecord(
  db: pg.ClientBase | pg.Pool,
  parent: string,
  resultName: string,
  name: string,
): Promise<RecordRow | undefined> {
  const { rows } = await db.query<RecordRow>({
    text: `select ${HEAD_COLUMNS}, ${DATA} as data, rec.create_time::text as sort_value
             from records rec join results res on res.id = rec.result_id
            where rec.parent = $1 and res.name = $2 and rec.name = $3`,
    values: [parent, resultName, name],
  });
  return rows[0];
}
