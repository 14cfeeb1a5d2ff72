/**
 * The read model for people: one run, its TaskRuns with their step terminations, and every
 * stored Event of the run, its TaskRuns and their Pods, decoded and merged in time order, with
 * the diagnosis of what went wrong. The timeline API, the page and the CLI all answer from it.
 *
 * Terminology: a *run* is the PipelineRun or TaskRun asked for; its EventList record holds its
 * own Events (a TaskRun's record also holds its Pod's). A PipelineRun's TaskRuns are the other
 * records of its Result.
 *
 * Bounded work: at most MAX_TASKRUNS TaskRuns and `maxEvents` Events are read, every query
 * goes through an index (results_parent_run for a PipelineRun, records_parent_run for a
 * TaskRun, results' (parent, name), records_result_create_time, record_events' primary key),
 * and an Event's JSON is decoded by the driver once.
 */
import type pg from 'pg';
import { firstSeen, lastSeen, seriesCount, summaryStatus, type RunStatus, type StoredEvent, type SummaryStatus } from '../event.js';
import { eventListRecordId, recordName, resultName } from '../names.js';
import { diagnose } from '../diagnosis/diagnose.js';
import type { Diagnosis } from '../diagnosis/types.js';

export type { Cause, CauseKind, Diagnosis } from '../diagnosis/types.js';
export type { SummaryStatus } from '../event.js';

export type RunKind = 'PipelineRun' | 'TaskRun';

/** One step's termination, from the run-status event (SPEC §3). */
export interface StepTermination {
  /** The step's name as the Task spells it (`build`). */
  name: string;
  /** The container that runs it, as Pod Events' fieldPath names it (`step-build`). */
  container: string;
  /** null when the step never ran (skipped after an earlier step failed). */
  exitCode: number | null;
  /** `Completed`, `Error`, `OOMKilled`, `Skipped`, `TimeoutExceeded`, … */
  reason: string | null;
}

/** What is known of a run (the PipelineRun, or a TaskRun). */
export interface RunInfo {
  kind: RunKind;
  name: string;
  uid: string;
  namespace: string;
  /** The pipeline task name; the TaskRun's own name for a standalone TaskRun; null for a PipelineRun. */
  taskName: string | null;
  /** Its Result's name (`<ns>/results/<uid>`) and its EventList record's name, for the Results API. */
  result: string;
  record: string;
  /** The Results summary vocabulary; UNKNOWN until the run's terminal status is stored. */
  status: SummaryStatus;
  /** Whether its terminal status is stored (false: still running, or its end was not seen). */
  finished: boolean;
  /** The terminal `Succeeded` condition's reason and message (`Failed`, `TaskRunTimeout`, …). */
  reason: string | null;
  message: string | null;
  startTime: string | null;
  completionTime: string | null;
  /** Step terminations; empty for a PipelineRun and for a run still going. */
  steps: StepTermination[];
}

/** The object an Event is about. */
export interface RegardingRef {
  kind: string;
  name: string;
  uid: string | null;
  apiVersion: string | null;
  fieldPath: string | null;
}

export interface TimelineEvent {
  /** The Event's uid (its namespace/name when it has none): stable across repeats. */
  key: string;
  /** The Event object's own name. */
  name: string;
  /** Whose EventList it is stored in: the PipelineRun, or the TaskRun (for its Pod's Events too). */
  run: { kind: RunKind; name: string; uid: string };
  /** The pipeline task it concerns; null for the PipelineRun's own Events. */
  taskName: string | null;
  regarding: RegardingRef;
  /** The container a Pod Event regards (`step-build`, from `spec.containers{step-build}`), else null. */
  container: string | null;
  reason: string;
  /** `Normal` or `Warning` (null when the Event had none). */
  type: string | null;
  /** The full note, as stored (at most 1 KiB). */
  note: string;
  /** How often Kubernetes saw it (series count, or the deprecated count); at least 1. */
  count: number;
  firstSeen: string;
  lastSeen: string;
  reportingController: string | null;
}

export interface Timeline {
  run: RunInfo;
  /** The PipelineRun a TaskRun belongs to; null for a PipelineRun or a standalone TaskRun. */
  pipelineRun: { name: string; uid: string } | null;
  /** A PipelineRun's TaskRuns in the order they were first seen; for a TaskRun, itself. */
  taskRuns: RunInfo[];
  /** In time order (first seen, then last seen). */
  events: TimelineEvent[];
  /** How many Events are stored for these runs (more than `events` holds when truncated). */
  totalEvents: number;
  /** Some Events were left out: Warnings are kept before Normal Events, newer before older. */
  truncated: boolean;
  diagnosis: Diagnosis;
}

/** Which run: by kind and name (newest of that name, or the one with `uid`), or by Result. */
export type TimelineQuery =
  | { namespace: string; kind: RunKind; name: string; uid?: string | undefined }
  | { namespace: string; result: string };

export interface TimelineOptions {
  /** Events returned at most; default DEFAULT_MAX_EVENTS. */
  maxEvents?: number;
}

export const DEFAULT_MAX_EVENTS = 5000;
export const MAX_TASKRUNS = 1000;

interface RecordRow {
  /** null: the run's own EventList was never created (a PipelineRun whose own Events were not seen) */
  id: string | null;
  result_id: string;
  result_name: string;
  result_run_kind: RunKind;
  result_run_name: string;
  /** the record id (UUID v3); '' when `id` is null */
  name: string;
  run_kind: RunKind;
  run_name: string;
  run_uid: string;
  run_status: RunStatus | null;
  task_name: string | null;
}

const TASK_NAME = `(select e.event->'regarding'->>'taskName' from record_events e where e.record_id = rec.id limit 1) as task_name`;

const RECORD_COLUMNS = `rec.id, rec.result_id, res.name as result_name, res.run_kind as result_run_kind,
  res.run_name as result_run_name, rec.name, rec.run_kind, rec.run_name, rec.run_uid, rec.run_status, ${TASK_NAME}`;

/** A Result's own run, found through the Result: its EventList may not exist (only its TaskRuns' Events came). */
const RESULT_RUN_COLUMNS = `rec.id, res.id as result_id, res.name as result_name, res.run_kind as result_run_kind,
  res.run_name as result_run_name, coalesce(rec.name, '') as name, res.run_kind as run_kind, res.run_name as run_name,
  res.name as run_uid, rec.run_status, ${TASK_NAME}`;

async function findRun(db: pg.ClientBase | pg.Pool, q: TimelineQuery): Promise<RecordRow | undefined> {
  if ('result' in q || q.kind === 'PipelineRun') {
    // A PipelineRun is its Result's run (results_parent_run, or the Result's (parent, name));
    // the newest of that name: a name reused by several runs keeps all of them.
    const where =
      'result' in q
        ? { text: 'res.parent = $1 and res.name = $2', values: [q.namespace, q.result] }
        : { text: `res.parent = $1 and res.run_kind = 'PipelineRun' and res.run_name = $2 and ($3::text is null or res.name = $3)`, values: [q.namespace, q.name, q.uid ?? null] };
    const { rows } = await db.query<RecordRow>({
      text: `select ${RESULT_RUN_COLUMNS} from results res left join records rec on rec.result_id = res.id and rec.run_uid = res.name
              where ${where.text} order by res.create_time desc, res.id desc limit 1`,
      values: where.values,
    });
    return rows[0];
  }
  const { rows } = await db.query<RecordRow>({
    text: `select ${RECORD_COLUMNS} from records rec join results res on res.id = rec.result_id
            where rec.parent = $1 and rec.run_kind = 'TaskRun' and rec.run_name = $2 and ($3::text is null or rec.run_uid = $3)
            order by rec.create_time desc, rec.id desc limit 1`,
    values: [q.namespace, q.name, q.uid ?? null],
  });
  return rows[0];
}

async function taskRunRecords(db: pg.ClientBase | pg.Pool, resultId: string): Promise<RecordRow[]> {
  const { rows } = await db.query<RecordRow>({
    text: `select ${RECORD_COLUMNS} from records rec join results res on res.id = rec.result_id
            where rec.result_id = $1 and rec.run_kind = 'TaskRun'
            order by rec.create_time, rec.id limit $2`,
    values: [resultId, MAX_TASKRUNS],
  });
  return rows;
}

interface EventRow {
  record_id: string;
  event_key: string;
  event: StoredEvent;
}

async function readEvents(db: pg.ClientBase | pg.Pool, recordIds: string[], max: number): Promise<{ rows: EventRow[]; total: number }> {
  // When there are more than `max`, Warnings are kept first (they explain failures), then the newest.
  const { rows } = await db.query<EventRow>({
    text: `select e.record_id, e.event_key, e.event from record_events e
            where e.record_id = any($1::uuid[])
            order by (e.type is distinct from 'Warning'), e.first_seen desc, e.event_key desc
            limit $2`,
    values: [recordIds, max + 1],
  });
  if (rows.length <= max) return { rows, total: rows.length };
  const counted = await db.query<{ n: string }>({
    text: 'select count(*) as n from record_events e where e.record_id = any($1::uuid[])',
    values: [recordIds],
  });
  return { rows: rows.slice(0, max), total: Number(counted.rows[0]?.n ?? max) };
}

const CONTAINER_RE = /^spec\.(?:initContainers|containers|ephemeralContainers)\{([^}]+)\}$/;

function toEvent(row: EventRow, run: RecordRow): TimelineEvent {
  const e = row.event;
  const r = e.regarding;
  const container = r.fieldPath ? (CONTAINER_RE.exec(r.fieldPath)?.[1] ?? null) : null;
  return {
    key: row.event_key,
    name: e.metadata.name,
    run: { kind: run.run_kind, name: run.run_name, uid: run.run_uid },
    // A PipelineRun's own Events carry no pipeline task (SPEC §2).
    taskName: run.run_kind === 'PipelineRun' ? null : (r.taskName ?? null),
    regarding: { kind: r.kind, name: r.name, uid: r.uid ?? null, apiVersion: r.apiVersion ?? null, fieldPath: r.fieldPath ?? null },
    container,
    reason: e.reason,
    type: e.type ?? null,
    note: e.note ?? '',
    count: Math.max(1, seriesCount(e)),
    firstSeen: firstSeen(e),
    lastSeen: lastSeen(e),
    reportingController: e.reportingController ?? null,
  };
}

/** A TaskRun's pipeline task: from its Events, else Tekton's `<pipelinerun>-<task>` naming. */
function taskNameOf(row: RecordRow, pipelineRunName: string | null): string | null {
  if (row.run_kind === 'PipelineRun') return null;
  if (row.task_name) return row.task_name;
  if (pipelineRunName && row.run_name.startsWith(`${pipelineRunName}-`)) return row.run_name.slice(pipelineRunName.length + 1);
  return row.run_name;
}

function toRunInfo(row: RecordRow, namespace: string, pipelineRunName: string | null): RunInfo {
  const s = row.run_status;
  return {
    kind: row.run_kind,
    name: row.run_name,
    uid: row.run_uid,
    namespace,
    taskName: taskNameOf(row, pipelineRunName),
    result: resultName(namespace, row.result_name),
    record: recordName(namespace, row.result_name, row.name || eventListRecordId(row.result_name, row.run_uid)),
    status: s ? summaryStatus(s.reason) : 'UNKNOWN',
    finished: s !== null,
    reason: s?.reason ?? null,
    message: s?.message ?? null,
    startTime: s?.startTime ?? null,
    completionTime: s?.completionTime ?? null,
    steps: (s?.steps ?? []).map((st) => ({ name: st.name, container: `step-${st.name}`, exitCode: st.exitCode ?? null, reason: st.reason ?? null })),
  };
}

const ms = (t: string): number => {
  const v = Date.parse(t);
  return Number.isNaN(v) ? 0 : v;
};

/** Time order: first seen, then last seen, then key, so equal times still sort the same every time. */
export function compareEvents(a: TimelineEvent, b: TimelineEvent): number {
  return ms(a.firstSeen) - ms(b.firstSeen) || ms(a.lastSeen) - ms(b.lastSeen) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** The timeline of one run, or undefined when no such run is stored. */
export async function readTimeline(db: pg.ClientBase | pg.Pool, q: TimelineQuery, opts: TimelineOptions = {}): Promise<Timeline | undefined> {
  const maxEvents = Math.max(1, Math.min(opts.maxEvents ?? DEFAULT_MAX_EVENTS, DEFAULT_MAX_EVENTS));
  const self = await findRun(db, q);
  if (!self) return undefined;
  const isPipeline = self.run_kind === 'PipelineRun';
  // A TaskRun of a pipeline lives under the PipelineRun's Result, whose run name is the PipelineRun's.
  const pipelineRun =
    !isPipeline && self.result_run_kind === 'PipelineRun' ? { name: self.result_run_name, uid: self.result_name } : null;
  const members = isPipeline ? await taskRunRecords(db, self.result_id) : [];
  const prName = isPipeline ? self.run_name : (pipelineRun?.name ?? null);
  const byId = new Map<string, RecordRow>([...(self.id ? [[self.id, self] as const] : []), ...members.map((m) => [m.id!, m] as const)]);
  const { rows, total } = await readEvents(db, [...byId.keys()], maxEvents);
  const events = rows.map((r) => toEvent(r, byId.get(r.record_id)!)).sort(compareEvents);
  const run = toRunInfo(self, q.namespace, prName);
  const taskRuns = isPipeline ? members.map((m) => toRunInfo(m, q.namespace, prName)) : [run];
  return {
    run,
    pipelineRun,
    taskRuns,
    events,
    totalEvents: total,
    truncated: rows.length < total,
    diagnosis: diagnose({ run, taskRuns, events }),
  };
}
