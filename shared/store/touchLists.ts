/**
 * Row locks and update marks for the status transactions, taken in the LOCK ORDER that
 * writeBatch.ts states: records before results, each table in id order, in one round.
 */
import type pg from 'pg';
import { inStatement } from '../db/errors.js';

type Table = 'records' | 'results';

function sortedUnique(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort();
}

/**
 * Locks the rows in id order, as appends lock theirs; returns how many exist to be locked.
 * `no key update`, the lock appends take: enough to keep a row from being deleted or bumped
 * meanwhile. Only constant table names are interpolated.
 */
export async function lockRows(client: pg.ClientBase, table: Table, ids: Iterable<string>): Promise<number> {
  const list = sortedUnique(ids);
  if (list.length === 0) return 0;
  const { rowCount } = await client
    .query({
      text: `select id from ${table} where id = any($1::uuid[]) order by id for no key update`,
      values: [list],
    })
    .catch(inStatement(`lock-${table}`));
  return rowCount ?? 0;
}

/**
 * Locks every record, then every result, a transaction is going to touch (LOCK ORDER). Returns
 * false when a record is gone (deleted since it was found): a conflict for the caller.
 */
export async function lockLists(client: pg.ClientBase, recordIds: Iterable<string>, resultIds: Iterable<string>): Promise<boolean> {
  const records = sortedUnique(recordIds);
  if ((await lockRows(client, 'records', records)) < records.length) return false;
  await lockRows(client, 'results', resultIds);
  return true;
}

export async function touchRows(client: pg.ClientBase, table: Table, ids: Iterable<string>): Promise<void> {
  const list = sortedUnique(ids);
  if (list.length === 0) return;
  await lockRows(client, table, list);
  await client
    .query({
      text: `update ${table} set update_time = now(), version = version + 1 where id = any($1::uuid[])`,
      values: [list],
    })
    .catch(inStatement(`touch-${table}`));
}

/**
 * `touchRows` for the results of the runs whose status a transaction stored, which also teaches
 * a result its Pipeline (`tekton.dev/pipeline`) when it was created by a write that did not know
 * it: a run status is the write that always reaches the transaction, while most Events append
 * without one. A pipeline already recorded is never replaced.
 */
export async function touchResults(client: pg.ClientBase, results: { id: string; pipeline: string | undefined }[]): Promise<void> {
  const byId = new Map<string, string | null>();
  for (const r of results) if (!byId.get(r.id)) byId.set(r.id, r.pipeline ?? null);
  const ids = sortedUnique(byId.keys());
  if (ids.length === 0) return;
  await lockRows(client, 'results', ids);
  await client
    .query({
      text: `update results r set update_time = now(), version = r.version + 1,
                    annotations = case when k.pipeline is null or r.annotations ? 'tekton.dev/pipeline' then r.annotations
                                       else r.annotations || jsonb_build_object('tekton.dev/pipeline', k.pipeline) end
               from unnest($1::uuid[], $2::text[]) as k(id, pipeline)
              where r.id = k.id`,
      values: [ids, ids.map((id) => byId.get(id) ?? null)],
    })
    .catch(inStatement('touch-results'));
}
