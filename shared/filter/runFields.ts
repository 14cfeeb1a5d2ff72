/**
 * The filter variables of a run record (`tekton.dev/v1.PipelineRun` / `TaskRun`, see
 * shared/store/queryRunRecords.ts): what Results clients filter runs by (`tkn-results pipelinerun
 * list` sends `data_type`, `data.metadata.name.contains(…)`, `data.metadata.labels["k"]`), read
 * from the same `records` row an EventList record is read from, aliased `rec`, with its result
 * `res`. The run record's JSON is built by functions/query/render.ts `runRecordValue`; every
 * SQL here says what that JSON holds, so a filter and the record it selects agree.
 *
 * `data_type` and `data.kind` depend only on the row's run kind: fold.ts decides them once per
 * kind (RUN_KIND_FIXED), so `data_type == PIPELINE_RUN` becomes `rec.run_kind = 'PipelineRun'`.
 * Anything else under `data` that a run record does not carry is null (false in comparisons).
 */
import { TASK_NAME_SQL } from '../store/queryRunRecords.js';
import { fixedText, text, time, timeOf, ITEMS, type Field, type FilterEnv, type ListDef, type RecordMembers } from './fields.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- getters read plain JSON objects */

/** A run record as evaluated in process: its record members, `value` its decoded data. */
export interface RunRecordSubject extends RecordMembers {
  value: { kind: string; metadata: { name: string; namespace: string; uid: string; labels: Record<string, string> }; status: any };
}

const RUN_TYPE = `('tekton.dev/v1.' || rec.run_kind)`;
const DATA_TYPE: Field = text(RUN_TYPE, (o) => o.type);
const DATA_KIND: Field = text('rec.run_kind', (o) => o.value?.kind);

/** The assumption fold.ts makes for the records of one run kind. */
export function runKindFixed(kind: 'PipelineRun' | 'TaskRun'): ReadonlyMap<Field, string> {
  return new Map([
    [DATA_TYPE, `tekton.dev/v1.${kind}`],
    [DATA_KIND, kind],
  ]);
}

const PIPELINE_RUN_LABEL = `(case when res.run_kind = 'PipelineRun' then res.run_name end)`;
const TASK_RUN_LABEL = `(case when rec.run_kind = 'TaskRun' then rec.run_name end)`;
const PIPELINE_TASK_LABEL = `(case when rec.run_kind = 'TaskRun' and res.run_kind = 'PipelineRun' then nullif(${TASK_NAME_SQL}, '') end)`;

/** The Succeeded condition render.ts writes: none yet is Unknown/Running. */
const CONDITION = {
  reason: `(case when rec.run_status is null then 'Running' else coalesce(rec.run_status->>'reason', '') end)`,
  message: `(case when rec.run_status is not null then coalesce(rec.run_status->>'message', '') end)`,
  status: `(case when rec.run_status is null then 'Unknown' when coalesce(rec.run_status->>'reason', '') in ('Succeeded', 'Completed') then 'True' else 'False' end)`,
};

const condition = (o: any): Record<string, unknown> | undefined => o.value?.status?.conditions?.[0];

/** `data.items` of a run record: absent (its conditions are null, as for any data.<path> it lacks). */
const NO_ITEMS: ListDef = { ...ITEMS, absent: true, get: () => [] };

export const RUN_RECORDS: FilterEnv = {
  name: 'runRecords',
  fields: {
    data_type: DATA_TYPE,
    // A run record is named by its run uid (getRunRecord).
    name: text('rec.run_uid', (o) => o.name),
    parent: text('rec.parent', (o) => o.parent),
    result_name: text('res.name', (o) => o.result_name),
    create_time: time('rec.create_time', (o) => timeOf(o.create_time)),
    update_time: time('rec.update_time', (o) => timeOf(o.update_time)),
    'data.kind': DATA_KIND,
    'data.apiVersion': fixedText('tekton.dev/v1'),
    'data.metadata.name': text('rec.run_name', (o) => o.value?.metadata?.name),
    'data.metadata.namespace': text('rec.parent', (o) => o.value?.metadata?.namespace),
    'data.metadata.uid': text('rec.run_uid', (o) => o.value?.metadata?.uid),
    'data.status.conditions.0.type': fixedText('Succeeded'),
    'data.status.conditions.0.status': text(CONDITION.status, (o) => condition(o)?.['status']),
    'data.status.conditions.0.reason': text(CONDITION.reason, (o) => condition(o)?.['reason']),
    'data.status.conditions.0.message': text(CONDITION.message, (o) => condition(o)?.['message']),
    // Times, as Results' cel2sql coerces them (`data.status.completionTime.getDate()`, `> timestamp(…)`).
    'data.status.startTime': time(`((rec.run_status->>'startTime')::timestamptz)`, (o) => timeOf(o.value?.status?.startTime)),
    'data.status.completionTime': time(`((rec.run_status->>'completionTime')::timestamptz)`, (o) => timeOf(o.value?.status?.completionTime)),
  },
  lists: { 'data.items': NO_ITEMS },
  maps: {
    'data.metadata.labels': {
      sql: (k) =>
        `(case ${k} when 'tekton.dev/pipelineRun' then ${PIPELINE_RUN_LABEL} when 'tekton.dev/taskRun' then ${TASK_RUN_LABEL} when 'tekton.dev/pipelineTask' then ${PIPELINE_TASK_LABEL} end)`,
      sqlJson: `jsonb_strip_nulls(jsonb_build_object('tekton.dev/pipelineRun', ${PIPELINE_RUN_LABEL}, 'tekton.dev/taskRun', ${TASK_RUN_LABEL}, 'tekton.dev/pipelineTask', ${PIPELINE_TASK_LABEL}))`,
      get: (o) => o.value?.metadata?.labels,
    },
    // We keep no annotations of a run: the map is absent, as any data.<path> a run record lacks.
    'data.metadata.annotations': { sql: (k) => `(case when ${k} is null then null end)::text`, sqlJson: `'{}'::jsonb`, get: () => null, absent: true },
  },
  objects: { data: () => ({}), 'data.metadata': () => ({}), 'data.status': () => ({}), 'data.status.conditions': () => [] },
  openRoots: ['data'],
};
