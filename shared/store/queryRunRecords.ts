/**
 * Run records: Results clients list runs as records of type `tekton.dev/v1.PipelineRun` /
 * `tekton.dev/v1.TaskRun` (`tkn-results pipelinerun list`). We keep no run objects, but each
 * `records` row is one run (its EventList and its terminal status), so a minimal run record is a
 * second view of the same row, named `<result>/records/<run uid>`. Its JSON is built in
 * render.ts; this module only reads the row.
 *
 * A list reads the rows without their status but with its size (`listRunRecordHeads`), as the
 * EventLists of a page are read (queryRecords.ts): a status holds up to a thousand steps, so a
 * page of 10,000 is sized first and only the statuses of the records that fit are read
 * (`runStatuses`).
 */
import type pg from 'pg';
import { rfc3339, type ListOptions, type Page } from './listing.js';
import { recordRowsPage, type RecordScope } from './queryRecords.js';
import type { RunStatus } from '../event.js';

export interface RunRecordRow {
  id: string;
  parent: string;
  result_name: string;
  run_kind: 'PipelineRun' | 'TaskRun';
  run_name: string;
  run_uid: string;
  /** The result's own run: a TaskRun's PipelineRun, or the TaskRun itself when standalone. */
  result_run_kind: 'PipelineRun' | 'TaskRun';
  result_run_name: string;
  /** The pipeline task of a TaskRun, from its Events' `regarding.taskName`, if any. */
  task_name: string | null;
  run_status: RunStatus | null;
  version: number;
  create_time: string;
  update_time: string;
  sort_value: string;
}

/** The type a Results install gives the record of a run of this kind. */
export const runRecordType = (kind: string): string => `tekton.dev/v1.${kind}`;

/**
 * The pipeline task of the TaskRun record aliased `rec`, from its Events (null for a PipelineRun).
 * The run record's `tekton.dev/pipelineTask` label, and the filter that reads it (runFields.ts).
 */
export const TASK_NAME_SQL = `(select e.event->'regarding'->>'taskName' from record_events e
    where e.record_id = rec.id and rec.run_kind = 'TaskRun' limit 1)`;

/** A run record of a list page, without its status (see `runStatuses`). */
export interface RunRecordHead extends Omit<RunRecordRow, 'run_status'> {
  /** the length in bytes of the status JSON text (0 when there is none) */
  status_bytes: number;
}

const HEAD_COLUMNS = `rec.id, rec.parent, res.name as result_name, rec.run_kind, rec.run_name, rec.run_uid,
  res.run_kind as result_run_kind, res.run_name as result_run_name, rec.version,
  ${TASK_NAME_SQL} as task_name,
  ${rfc3339('rec.create_time')} as create_time, ${rfc3339('rec.update_time')} as update_time`;

const COLUMNS = `${HEAD_COLUMNS}, rec.run_status`;

/** One page of run records by count, without their statuses. */
export function listRunRecordHeads(db: pg.ClientBase | pg.Pool, scope: RecordScope, opts: ListOptions): Promise<Page<RunRecordHead>> {
  return recordRowsPage<RunRecordHead>(db, scope, opts, `${HEAD_COLUMNS}, coalesce(octet_length(rec.run_status::text), 0)::int as status_bytes`);
}

/** The status of each record id (null: none yet; a record deleted meanwhile is missing from the map). */
export async function runStatuses(db: pg.ClientBase | pg.Pool, ids: string[]): Promise<Map<string, RunStatus | null>> {
  const { rows } = await db.query<{ id: string; run_status: RunStatus | null }>({
    text: `select rec.id, rec.run_status from records rec where rec.id = any($1::uuid[])`,
    values: [ids],
  });
  return new Map(rows.map((r) => [r.id, r.run_status]));
}

/** The run record `<parent>/results/<result>/records/<run uid>`, if that run is under that result. */
export async function getRunRecord(db: pg.ClientBase | pg.Pool, parent: string, resultName: string, runUid: string): Promise<RunRecordRow | undefined> {
  const { rows } = await db.query<RunRecordRow>({
    text: `select ${COLUMNS}, rec.create_time::text as sort_value
             from records rec join results res on res.id = rec.result_id
            where rec.parent = $1 and res.name = $2 and rec.run_uid = $3`,
    values: [parent, resultName, runUid],
  });
  return rows[0];
}
