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
 * and an Event's JSON is decoded by the driver once. It is one named statement (one round trip,
 * planned once per connection): on a busy machine the round trips and the planning cost more
 * than running the queries (bench/readPath.ts, case (a)).
 */
import type pg from 'pg';
import { firstSeen, lastSeen, seriesCount, summaryStatus, type RunStatus, type StoredEvent } from '../event.js';
import { eventListRecordId, recordName, resultName } from '../names.js';
import { diagnose } from '../diagnosis/diagnose.js';
import type { RunInfo, RunKind, Timeline, TimelineEvent } from './timelineTypes.js';

export type * from './timelineTypes.js';

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
  /** the pipeline task, from one of its Events (set once the Events are read) */
  task_name?: string | null;
}

const RECORD_COLUMNS = `rec.id, rec.result_id, res.name as result_name, res.run_kind as result_run_kind,
  res.run_name as result_run_name, rec.name, rec.run_kind, rec.run_name, rec.run_uid, rec.run_status`;

/** A Result's own run, found through the Result: its EventList may not exist (only its TaskRuns' Events came). */
const RESULT_RUN_COLUMNS = `rec.id, res.id as result_id, res.name as result_name, res.run_kind as result_run_kind,
  res.run_name as result_run_name, coalesce(rec.name, '') as name, res.run_kind as run_kind, res.run_name as run_name,
  res.name as run_uid, rec.run_status`;

/**
 * The run asked for, as a statement selecting at most one row, its parameters from $3 on.
 * A PipelineRun is its Result's run (results_parent_run, or the Result's (parent, name)); the
 * newest of that name: a name reused by several runs keeps all of them.
 */
function selfStatement(q: TimelineQuery): { name: string; text: string; values: unknown[] } {
  const viaResult = `select ${RESULT_RUN_COLUMNS} from results res left join records rec on rec.result_id = res.id and rec.run_uid = res.name`;
  if ('result' in q) {
    return { name: 'timeline-of-result', text: `${viaResult} where res.parent = $3 and res.name = $4 order by res.create_time desc, res.id desc limit 1`, values: [q.namespace, q.result] };
  }
  if (q.kind === 'PipelineRun') {
    return {
      name: 'timeline-of-pipelinerun',
      text: `${viaResult} where res.parent = $3 and res.run_kind = 'PipelineRun' and res.run_name = $4 and ($5::text is null or res.name = $5)
              order by res.create_time desc, res.id desc limit 1`,
      values: [q.namespace, q.name, q.uid ?? null],
    };
  }
  return {
    name: 'timeline-of-taskrun',
    text: `select ${RECORD_COLUMNS} from records rec join results res on res.id = rec.result_id
            where rec.parent = $3 and rec.run_kind = 'TaskRun' and rec.run_name = $4 and ($5::text is null or rec.run_uid = $5)
            order by rec.create_time desc, rec.id desc limit 1`,
    values: [q.namespace, q.name, q.uid ?? null],
  };
}

interface EventRow {
  record_id: string;
  event_key: string;
  event: StoredEvent;
}

interface Loaded {
  self: RecordRow | null;
  members: RecordRow[];
  events: EventRow[];
}

/**
 * One statement, one round trip: the run, a PipelineRun's TaskRuns ($1 at most, in the order
 * they were first seen) and at most $2 of their Events. When there are more, Warnings are kept
 * first (they explain failures), then the newest. On a loaded machine every round trip waits
 * for both processes to be scheduled again; three of them cost more than the queries.
 */
async function load(db: pg.ClientBase | pg.Pool, q: TimelineQuery, maxEvents: number): Promise<Loaded> {
  const self = selfStatement(q);
  const { rows } = await db.query<Loaded>({
    name: self.name,
    text: `with self as (${self.text}),
           members as (
             select ${RECORD_COLUMNS}, rec.create_time as created
               from self s join records rec on rec.result_id = s.result_id join results res on res.id = rec.result_id
              where s.run_kind = 'PipelineRun' and rec.run_kind = 'TaskRun'
              order by rec.create_time, rec.id limit $1
           ),
           ev as (
             select e.record_id, e.event_key, e.event from record_events e
              where e.record_id in (select id from self where id is not null union all select id from members)
              order by (e.type is distinct from 'Warning'), e.first_seen desc, e.event_key desc
              limit $2
           )
           select (select row_to_json(s) from self s) as self,
                  (select coalesce(json_agg(m order by m.created, m.id), '[]'::json) from members m) as members,
                  (select coalesce(json_agg(ev), '[]'::json) from ev) as events`,
    values: [MAX_TASKRUNS, maxEvents + 1, ...self.values],
  });
  return rows[0] ?? { self: null, members: [], events: [] };
}

async function countEvents(db: pg.ClientBase | pg.Pool, recordIds: string[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>({
    name: 'timeline-count-events',
    text: 'select count(*) as n from record_events e where e.record_id = any($1::uuid[])',
    values: [recordIds],
  });
  return Number(rows[0]?.n ?? 0);
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

/** A TaskRun's pipeline task: from its Events, else (none read) Tekton's `<pipelinerun>-<task>` naming. */
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
  const { self, members, events: loaded } = await load(db, q, maxEvents);
  if (!self) return undefined;
  const isPipeline = self.run_kind === 'PipelineRun';
  // A TaskRun of a pipeline lives under the PipelineRun's Result, whose run name is the PipelineRun's.
  const pipelineRun =
    !isPipeline && self.result_run_kind === 'PipelineRun' ? { name: self.result_run_name, uid: self.result_name } : null;
  const prName = isPipeline ? self.run_name : (pipelineRun?.name ?? null);
  const byId = new Map<string, RecordRow>([...(self.id ? [[self.id, self] as const] : []), ...members.map((m) => [m.id!, m] as const)]);
  const rows = loaded.slice(0, maxEvents);
  const total = loaded.length > maxEvents ? await countEvents(db, [...byId.keys()]) : rows.length;
  // A TaskRun's pipeline task is on each of its Events (regarding.taskName), read here anyway.
  for (const r of rows) {
    const rec = byId.get(r.record_id)!;
    rec.task_name ??= r.event.regarding?.taskName ?? null;
  }
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
