/** Rows → Tekton Results JSON (snake_case, as its REST gateway writes it). */
import { recordName, resultName } from '../../shared/names.js';
import type { ResultRow } from '../../shared/store/queryResults.js';
import type { RecordRow } from '../../shared/store/queryRecords.js';

export function renderResult(r: ResultRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: resultName(r.parent, r.name),
    id: r.id,
    uid: r.id,
    annotations: r.annotations,
  };
  if (r.summary) out['summary'] = r.summary;
  Object.assign(out, {
    etag: `${r.id}-${r.version}`,
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
    id: r.id,
    uid: r.id,
    data: { type: r.type, value: Buffer.from(r.data, 'utf8').toString('base64') },
    etag: `${r.id}-${r.version}`,
    create_time: r.create_time,
    update_time: r.update_time,
    created_time: r.create_time,
    updated_time: r.update_time,
  };
}

/** Room for a record's members other than its base64 data (names, ids, times: about 450 bytes). */
const RECORD_OVERHEAD_BYTES = 600;

/** About how many bytes `renderRecord` will write for a record whose EventList is `dataBytes` long. */
export function renderedRecordBytes(dataBytes: number): number {
  return Math.ceil(dataBytes / 3) * 4 + RECORD_OVERHEAD_BYTES;
}
