/**
 * Marks changed records, and the results above them, as updated (update_time, etag version).
 * Rows are locked in id order first, so concurrent batches touching the same lists queue up
 * instead of deadlocking.
 */
import type pg from 'pg';

type Table = 'records' | 'results';

/**
 * Locks the rows in id order. `no key update`, not `update`: inserting an event row takes a
 * key-share lock on its record (the foreign key check), and `for update` would conflict with
 * the key-share locks of every concurrent appender: a deadlock per pair of them.
 * Only constant table names are interpolated.
 */
export async function lockRows(client: pg.ClientBase, table: Table, ids: Iterable<string>): Promise<void> {
  const list = [...new Set(ids)];
  if (list.length === 0) return;
  await client.query({
    text: `select id from ${table} where id = any($1::uuid[]) order by id for no key update`,
    values: [list],
  });
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
