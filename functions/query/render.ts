/** Rows → Tekton Results JSON (snake_case, as its REST gateway writes it). */
import { recordName, resultName } from '../../shared/names.js';
import type { ResultRow } from '../../shared/store/queryResults.js';
import type { RecordRow } from '../../shared/store/queryRecords.js';
import { runRecordType, type RunRecordHead, type RunRecordRow } from '../../shared/store/queryRunRecords.js';
import type { RunStatus } from '../../shared/event.js';

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

/** The Succeeded condition Tekton writes for a run that ended with `reason` (none: still running). */
function succeededCondition(status: RunStatus | null): Record<string, string> {
  if (!status) return { type: 'Succeeded', status: 'Unknown', reason: 'Running' };
  const reason = status.reason ?? '';
  const ok = reason === 'Succeeded' || reason === 'Completed';
  return { type: 'Succeeded', status: ok ? 'True' : 'False', reason, message: status.message ?? '' };
}

/**
 * A minimal run record (see shared/store/queryRunRecords.ts): what we know of the run, in the
 * shape of a `tekton.dev/v1` object, so Results clients can read name, labels and status.
 */
export function runRecordValue(r: RunRecordRow): Record<string, unknown> {
  const labels: Record<string, string> = {};
  if (r.result_run_kind === 'PipelineRun') labels['tekton.dev/pipelineRun'] = r.result_run_name;
  if (r.run_kind === 'TaskRun') {
    labels['tekton.dev/taskRun'] = r.run_name;
    if (r.task_name && r.result_run_kind === 'PipelineRun') labels['tekton.dev/pipelineTask'] = r.task_name;
  }
  const s = r.run_status;
  const status: Record<string, unknown> = { conditions: [succeededCondition(s)] };
  if (s?.startTime) status['startTime'] = s.startTime;
  if (s?.completionTime) status['completionTime'] = s.completionTime;
  if (r.run_kind === 'TaskRun' && s?.steps.length) {
    status['steps'] = s.steps.map((step) => ({
      name: step.name,
      ...(step.exitCode != null || step.reason ? { terminated: { exitCode: step.exitCode ?? 0, reason: step.reason ?? '' } } : {}),
    }));
  }
  return {
    apiVersion: 'tekton.dev/v1',
    kind: r.run_kind,
    metadata: { name: r.run_name, namespace: r.parent, uid: r.run_uid, labels },
    status,
  };
}

export function renderRunRecord(r: RunRecordRow): Record<string, unknown> {
  const value = Buffer.from(JSON.stringify(runRecordValue(r)), 'utf8').toString('base64');
  return {
    name: recordName(r.parent, r.result_name, r.run_uid),
    id: r.run_uid,
    uid: r.run_uid,
    data: { type: runRecordType(r.run_kind), value },
    etag: `${r.run_uid}-${r.version}`,
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

/**
 * About how many bytes (at most) `renderRunRecord` will write for a run record: its status text
 * (a step grows by its `terminated` wrapper, by less than half) and names, in base64.
 */
export function renderedRunRecordBytes(h: RunRecordHead): number {
  const names = h.parent.length + h.run_name.length + h.run_uid.length + h.result_run_name.length + (h.task_name?.length ?? 0);
  return renderedRecordBytes(Math.ceil(1.5 * h.status_bytes) + 2 * names + 400);
}
