/** Rows → Tekton Results JSON (snake_case, as its REST gateway writes it). */
import { recordName, resultName } from '../../shared/names.js';
import type { ResultRow } from '../../shared/store/queryResults.js';
import type { RecordRow } from '../../shared/store/queryRecords.js';

/**
 * A Result's `uid` and `id` are the run uid it is named after, and a record's are the id its name
 * ends in, so Results' own derivation (`uuid.NewMD5(<Result.uid>, <run uid> + "eventlist")`)
 * computes a record name from the fields we serve. The database's own row ids never leave it.
 */
export function renderResult(r: ResultRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: resultName(r.parent, r.name),
    id: r.name,
    uid: r.name,
    annotations: r.annotations,
  };
  if (r.summary) out['summary'] = r.summary;
  Object.assign(out, {
    etag: `${r.name}-${r.version}`,
    create_time: r.create_time,
    update_time: r.update_time,
    created_time: r.create_time,
    updated_time: r.update_time,
  });
  return out;
}

export function renderRecord(r: RecordRow): Record<string, unknown> {
  return {
    name: recordName(r.parent, r.result_name, r.name),
    id: r.name,
    uid: r.name,
    data: { type: r.type, value: Buffer.from(r.data, 'utf8').toString('base64') },
    etag: `${r.name}-${r.version}`,
    create_time: r.create_time,
    update_time: r.update_time,
    created_time: r.create_time,
    updated_time: r.update_time,
  };
}
