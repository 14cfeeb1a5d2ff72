/**
 * Finds, or creates on first sight, the result and the EventList record of each list key, for
 * the transactions that store run statuses.
 */
import type pg from 'pg';
import { inStatement, WriteConflict } from '../db/errors.js';
import { listKeyString, type ListKey } from './types.js';
import { createLists } from './createLists.js';
import { LIST_IDS_SQL, listIdValues } from './listIds.js';

/** A list was created but is gone when read back: deleted meanwhile (a conflict to retry). */
export class ListsNotCreated extends WriteConflict {}

export interface ListIds {
  resultId: string;
  recordId: string;
}

async function resolve(client: pg.ClientBase, keys: ListKey[]): Promise<Map<string, { resultId: string | null; recordId: string | null }>> {
  const { rows } = await client.query<{ i: string; result_id: string | null; record_id: string | null }>({
    name: 'resolve-lists',
    text: LIST_IDS_SQL,
    values: listIdValues(keys),
  }).catch(inStatement('resolve-lists'));
  const out = new Map<string, { resultId: string | null; recordId: string | null }>();
  for (const row of rows) {
    const key = keys[Number(row.i) - 1]!;
    out.set(listKeyString(key), { resultId: row.result_id, recordId: row.record_id });
  }
  return out;
}

/**
 * Creates the lists that are missing (createLists), then reads every list's ids: two round
 * trips. A list missing on the read (created by a concurrent writer too late to be seen, or
 * deleted since) throws ListsNotCreated, a conflict for the caller to retry.
 */
export async function ensureLists(client: pg.ClientBase, keys: ListKey[]): Promise<Map<string, ListIds>> {
  await createLists(client, keys);
  const found = await resolve(client, keys);
  const out = new Map<string, ListIds>();
  for (const k of keys) {
    const ids = found.get(listKeyString(k));
    if (!ids?.resultId || !ids.recordId) throw new ListsNotCreated(`could not create the EventList of ${k.runKind} ${k.runName}`);
    out.set(listKeyString(k), { resultId: ids.resultId, recordId: ids.recordId });
  }
  return out;
}
