/**
 * Stores a finished run's status on its EventList record and, when the run is its result's own
 * run (the PipelineRun, or a standalone TaskRun), as the result's summary (SPEC §4). A status
 * with a lower resourceVersion than the stored one is ignored.
 *
 * The summary, as the Tekton Results watcher writes it: `record` names the run's record
 * (`<result>/records/<run uid>`, type `tekton.dev/v1.PipelineRun|TaskRun`), not its EventList.
 * It exists from the run's first sight (createLists.ts: status `UNKNOWN`, no `end_time`); the
 * terminal status replaces it whole.
 */
import type pg from 'pg';
import { inStatement } from '../db/errors.js';
import { summaryStatus } from '../event.js';
import { runRecordName } from '../names.js';
import type { StatusWrite } from './types.js';
import type { ListIds } from './ensureLists.js';

export function summaryOf(w: StatusWrite): Record<string, unknown> {
  const k = w.list;
  return {
    record: runRecordName(k.parent, k.resultUid, k.runUid),
    type: `tekton.dev/v1.${k.runKind}`,
    status: summaryStatus(w.status.reason),
    start_time: w.status.startTime ?? null,
    end_time: w.status.completionTime ?? null,
    annotations: {
      reason: w.status.reason ?? '',
      message: w.status.message ?? '',
    },
  };
}

/** Returns whether anything changed. Callers lock records before results (LOCK ORDER in writeBatch.ts). */
export async function applyRunStatus(client: pg.ClientBase, w: StatusWrite, ids: ListIds): Promise<boolean> {
  const { rowCount } = await client.query({
    text: `update records set run_status = $2::jsonb, run_status_version = $3::numeric
            where id = $1 and (run_status_version is null or run_status_version <= $3::numeric)
              and run_status is distinct from $2::jsonb`,
    values: [ids.recordId, JSON.stringify(w.status), w.version],
  }).catch(inStatement('apply-run-status'));
  return (rowCount ?? 0) > 0;
}

export async function applySummary(client: pg.ClientBase, w: StatusWrite, ids: ListIds): Promise<void> {
  if (w.list.runUid !== w.list.resultUid) return;
  await client.query({
    text: `update results set summary = $2::jsonb where id = $1 and summary is distinct from $2::jsonb`,
    values: [ids.resultId, JSON.stringify(summaryOf(w))],
  }).catch(inStatement('apply-summary'));
}
