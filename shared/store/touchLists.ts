/**
 * Marks changed records, and the results above them, as updated (update_time, etag version).
 * Rows are locked in id order first, so concurrent batches touching the same lists queue up
 * instead of deadlocking.
 */
import type pg from 'pg';

type Table = 'records' | 'results';

/**
 * Locks the rows in id order, as appends lock theirs; returns how many exist to be locked.
 * `no key update`, the lock appends take: enough to keep a row from being deleted or bumped
 * meanwhile. Only constant table names are interpolated.
 */
export async function lockRows(client: pg.ClientBase, table: Table, ids: Iterable<string>): Promise<number> {
  const list = [...new Set(ids)];
  if (list.length === 0) return 0;
  const { rowCount } = await client.query({
    text: `select id from ${table} where id = any($1::uuid[]) order by id for no key update`,
    values: [list],
  });
  return rowCount ?? 0;
}

export async function touchRows(client: pg.ClientBase, table: Table, ids: Iterable<string>): Promise<void> {
  const list = [...new Set(ids)];
  if (list.length === 0) return;
  await lockRows(client, table, list);
  await client.query({
    text: `update ${table} set update_time = now(), version = version + 1 where id = any($1::uuid[])`,
    values: [list],
  });
}
