/**
 * The one place list keys become row ids: `(parent, result uid, record name)` → `results.id`
 * and `records.id`, null where a row does not exist. Both the append statement (as its `lists`
 * CTE) and the status transactions (ensureLists) use this text and these parameters, which
 * must come first ($1..$3) in the statement.
 */
import type { ListKey } from './types.js';

/** Rows `(i, record_id, result_id)`, `i` being the key's 1-based position in the parameters. */
export const LIST_IDS_SQL = `select k.i, rec.id as record_id, r.id as result_id
   from unnest($1::text[], $2::text[], $3::text[]) with ordinality as k(parent, result_name, record_name, i)
   left join results r on r.parent = k.parent and r.name = k.result_name
   left join records rec on rec.result_id = r.id and rec.name = k.record_name`;

export function listIdValues(keys: readonly ListKey[]): [string[], string[], string[]] {
  return [keys.map((k) => k.parent), keys.map((k) => k.resultUid), keys.map((k) => k.recordId)];
}
