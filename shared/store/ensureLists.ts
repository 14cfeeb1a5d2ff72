/**
 * Finds, or creates on first sight, the result and the EventList record of each list key.
 * The steady state costs one query; creation uses `on conflict do nothing` and a re-read, so
 * concurrent first sights of one run end with one result and one record.
 */
import type pg from 'pg';
import { listKeyString, type ListKey } from './types.js';

/** A list was created but is gone when read back: deleted meanwhile (a conflict to retry). */
export class ListsNotCreated extends Error {}

export interface ListIds {
  resultId: string;
  recordId: string;
}

async function resolve(client: pg.ClientBase, keys: ListKey[]): Promise<Map<string, { resultId: string | null; recordId: string | null }>> {
  const { rows } = await client.query<{ i: string; result_id: string | null; record_id: string | null }>({
    text: `select k.i, r.id as result_id, rec.id as record_id
             from unnest($1::text[], $2::text[], $3::text[]) with ordinality as k(parent, result_name, record_name, i)
             left join results r on r.parent = k.parent and r.name = k.result_name
             left join records rec on rec.result_id = r.id and rec.name = k.record_name`,
    values: [keys.map((k) => k.parent), keys.map((k) => k.resultUid), keys.map((k) => k.recordId)],
  });
  const out = new Map<string, { resultId: string | null; recordId: string | null }>();
  for (const row of rows) {
    const key = keys[Number(row.i) - 1]!;
    out.set(listKeyString(key), { resultId: row.result_id, recordId: row.record_id });
  }
  return out;
}

function resultAnnotations(k: ListKey): string {
  return JSON.stringify({ [k.resultRunKind === 'PipelineRun' ? 'tekton.dev/pipelineRun' : 'tekton.dev/taskRun']: k.resultRunName });
}

/** `keys` must be distinct and sorted (by listKeyString) so concurrent writers lock in one order. */
export async function ensureLists(client: pg.ClientBase, keys: ListKey[]): Promise<Map<string, ListIds>> {
  let found = await resolve(client, keys);
  const missingResults = keys.filter((k) => !found.get(listKeyString(k))?.resultId);
  if (missingResults.length > 0) {
    await client.query({
      text: `insert into results (parent, name, run_kind, run_name, annotations)
             select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
             on conflict (parent, name) do nothing`,
      values: [
        missingResults.map((k) => k.parent),
        missingResults.map((k) => k.resultUid),
        missingResults.map((k) => k.resultRunKind),
        missingResults.map((k) => k.resultRunName),
        missingResults.map(resultAnnotations),
      ],
    });
    found = await resolve(client, keys);
  }
  const missingRecords = keys.filter((k) => !found.get(listKeyString(k))?.recordId);
  if (missingRecords.length > 0) {
    await client.query({
      text: `insert into records (result_id, parent, name, run_kind, run_name, run_uid)
             select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
             on conflict (result_id, name) do nothing`,
      values: [
        missingRecords.map((k) => found.get(listKeyString(k))!.resultId),
        missingRecords.map((k) => k.parent),
        missingRecords.map((k) => k.recordId),
        missingRecords.map((k) => k.runKind),
        missingRecords.map((k) => k.runName),
        missingRecords.map((k) => k.runUid),
      ],
    });
    found = await resolve(client, keys);
  }
  const out = new Map<string, ListIds>();
  for (const k of keys) {
    const ids = found.get(listKeyString(k));
    if (!ids?.resultId || !ids.recordId) throw new ListsNotCreated(`could not create the EventList of ${k.runKind} ${k.runName}`);
    out.set(listKeyString(k), { resultId: ids.resultId, recordId: ids.recordId });
  }
  return out;
}
