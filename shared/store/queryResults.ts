/** Reading and deleting results (SPEC §5). */
import type pg from 'pg';
import { retryConflicts } from '../db/retry.js';
import { inNamespaces, keyset, rfc3339, sortValue, toPage, Where, type ListOptions, type Page } from './listing.js';

export interface ResultRow {
  id: string;
  parent: string;
  name: string;
  annotations: Record<string, string>;
  summary: Record<string, unknown> | null;
  version: number;
  create_time: string;
  update_time: string;
  sort_value: string;
}

const COLUMNS = `r.id, r.parent, r.name, r.annotations, r.summary, r.version,
  ${rfc3339('r.create_time')} as create_time, ${rfc3339('r.update_time')} as update_time`;

export async function listResults(db: pg.ClientBase | pg.Pool, opts: ListOptions): Promise<Page<ResultRow>> {
  const w = new Where();
  if (opts.namespaces) w.add(inNamespaces(w, 'r.parent', opts.namespaces));
  const orderBy = keyset(w, 'r', opts);
  const limit = w.param(opts.pageSize + 1);
  const { rows } = await db.query<ResultRow>({
    text: `select ${COLUMNS}, ${sortValue('r', opts.order)} as sort_value from results r ${w.sql()} order by ${orderBy} limit ${limit}`,
    values: w.values,
  });
  return toPage(rows, opts.pageSize);
}

export async function getResult(db: pg.ClientBase | pg.Pool, parent: string, name: string): Promise<ResultRow | undefined> {
  const { rows } = await db.query<ResultRow>({
    text: `select ${COLUMNS}, r.create_time::text as sort_value from results r where r.parent = $1 and r.name = $2`,
    values: [parent, name],
  });
  return rows[0];
}

/**
 * Deletes a result; its records and their events go with it (on delete cascade). A result whose
 * runs are still sending events can deadlock with their appends (the delete locks the result,
 * then its records; appends lock records, then the result). Locking the records first would
 * need UPDATE on records, which the query role does not have; Postgres aborts one side of the
 * deadlock instead, and the delete tries again.
 */
export async function deleteResult(pool: pg.ClientBase | pg.Pool, parent: string, name: string): Promise<boolean> {
  return retryConflicts(
    async () => {
      const { rowCount } = await pool.query({ text: 'delete from results where parent = $1 and name = $2', values: [parent, name] });
      return (rowCount ?? 0) > 0;
    },
    { what: 'delete a result', attempts: 3 },
  );
}
