/**
 * Reading EventList records (SPEC §4, §5). A record's items are assembled from its event rows
 * in first-observed order when it is read.
 */
import type pg from 'pg';
import { inNamespaces, keyset, rfc3339, sortValue, toPage, Where, type ListOptions, type Page } from './listing.js';

export interface RecordRow {
  id: string;
  parent: string;
  result_name: string;
  name: string;
  type: string;
  version: number;
  create_time: string;
  update_time: string;
  sort_value: string;
  /** the EventList JSON text */
  data: string;
}

const COLUMNS = `rec.id, rec.parent, res.name as result_name, rec.name, rec.type, rec.version,
  ${rfc3339('rec.create_time')} as create_time, ${rfc3339('rec.update_time')} as update_time,
  (select '{"kind":"EventList","apiVersion":"events.k8s.io/v1","items":['
          || coalesce(string_agg(e.event::text, ',' order by e.first_seen, e.event_key), '') || ']}'
     from record_events e where e.record_id = rec.id) as data`;

export interface RecordScope {
  /** a result's name (run uid), or null for every result of the namespaces */
  resultName: string | null;
}

export async function listRecords(db: pg.ClientBase | pg.Pool, scope: RecordScope, opts: ListOptions): Promise<Page<RecordRow>> {
  const w = new Where();
  if (opts.namespaces) w.add(inNamespaces(w, 'rec.parent', opts.namespaces));
  if (scope.resultName !== null) w.add(`res.name = ${w.param(scope.resultName)}`);
  const orderBy = keyset(w, 'rec', opts);
  const limit = w.param(opts.pageSize + 1);
  const { rows } = await db.query<RecordRow>({
    text: `select ${COLUMNS}, ${sortValue('rec', opts.order)} as sort_value
             from records rec join results res on res.id = rec.result_id
             ${w.sql()} order by ${orderBy} limit ${limit}`,
    values: w.values,
  });
  return toPage(rows, opts.pageSize);
}

export async function getRecord(
  db: pg.ClientBase | pg.Pool,
  parent: string,
  resultName: string,
  name: string,
): Promise<RecordRow | undefined> {
  const { rows } = await db.query<RecordRow>({
    text: `select ${COLUMNS}, rec.create_time::text as sort_value
             from records rec join results res on res.id = rec.result_id
            where rec.parent = $1 and res.name = $2 and rec.name = $3`,
    values: [parent, resultName, name],
  });
  return rows[0];
}
