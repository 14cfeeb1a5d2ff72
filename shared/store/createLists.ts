/**
 * Creates, on first sight, the results and EventList records of list keys that do not exist
 * yet; existing ones are left alone. One statement, run in the transaction that then appends
 * to the lists (writeBatch.ts), so a write refused later leaves no empty Result or EventList.
 *
 * Rows are inserted in the order of the list keys (listKeyString: namespace, result uid, record
 * name, compared as code points, hence collate "C"), the order ensureLists inserts them in too,
 * so two writers creating the same lists wait on each other instead of deadlocking.
 *
 * A new result gets, in the same insert, what the Tekton Results watcher gives a Result on
 * first sight of its run: the annotations `object.metadata.name` (the run's name) and
 * `tekton.dev/pipeline` (when the write knows the Pipeline), beside ours (`tekton.dev/pipelineRun`
 * or `tekton.dev/taskRun`), and a summary naming its run's record with status `UNKNOWN`, which
 * the run's terminal status fills in (applyRunStatus.ts). So creating a result costs no extra
 * statement.
 *
 * A result created by a concurrent writer after this statement's snapshot is skipped (its
 * records with it), and a result deleted meanwhile fails the statement with 23503 (foreign
 * key, turned into a WriteConflict by the caller): either way a list is missing, and the whole
 * write is retried.
 */
import type pg from 'pg';
import { inStatement } from '../db/errors.js';
import type { ListKey } from './types.js';

export async function createLists(db: pg.ClientBase | pg.Pool, keys: ListKey[]): Promise<void> {
  if (keys.length === 0) return;
  await db.query({
    name: 'create-lists',
    text: `with k as (
             select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
                      as k(parent, result_name, result_run_kind, result_run_name, record_name, run_kind, run_name, run_uid, pipeline)
           ),
           new_results as (
             insert into results (parent, name, run_kind, run_name, annotations, summary)
             select distinct on (parent collate "C", result_name collate "C") parent, result_name, result_run_kind, result_run_name,
                    -- jsonb_strip_nulls: the pipeline only when known (the other values never are null)
                    jsonb_strip_nulls(jsonb_build_object(
                      case result_run_kind when 'PipelineRun' then 'tekton.dev/pipelineRun' else 'tekton.dev/taskRun' end, result_run_name,
                      'object.metadata.name', result_run_name,
                      'tekton.dev/pipeline', pipeline)),
                    -- the run record is named by the run uid, which is the result's name
                    jsonb_build_object('record', parent || '/results/' || result_name || '/records/' || result_name,
                                       'type', 'tekton.dev/v1.' || result_run_kind,
                                       'status', 'UNKNOWN')
               from k
              where not exists (select 1 from results r where r.parent = k.parent and r.name = k.result_name)
              -- (pipeline is null): of one result's keys, one that knows the pipeline
              order by parent collate "C", result_name collate "C", (pipeline is null)
             on conflict (parent, name) do nothing
             returning id, parent, name
           ),
           res as (
             select id, parent, name from new_results
             union all
             select r.id, r.parent, r.name from results r where (r.parent, r.name) in (select parent, result_name from k)
           )
           insert into records (result_id, parent, name, run_kind, run_name, run_uid)
           select res.id, k.parent, k.record_name, k.run_kind, k.run_name, k.run_uid
             from k join res on res.parent = k.parent and res.name = k.result_name
            where not exists (select 1 from records rec where rec.result_id = res.id and rec.name = k.record_name)
            order by k.parent collate "C", k.result_name collate "C", k.record_name collate "C"
           on conflict (result_id, name) do nothing`,
    values: [
      keys.map((k) => k.parent),
      keys.map((k) => k.resultUid),
      keys.map((k) => k.resultRunKind),
      keys.map((k) => k.resultRunName),
      keys.map((k) => k.recordId),
      keys.map((k) => k.runKind),
      keys.map((k) => k.runName),
      keys.map((k) => k.runUid),
      keys.map((k) => k.pipeline ?? null),
    ],
  }).catch(inStatement('create-lists'));
}
