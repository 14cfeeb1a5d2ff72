/**
 * The variables each kind of filter can name, each once with both of its meanings: the SQL that
 * reads it from a row (constant text, never input) and the getter that reads it from an object
 * in process. One table per environment:
 *   records  EventList records (`…/records?filter=`), as Tekton Results' record filters
 *   runRecords  run records of the same list (runFields.ts)
 *   results  results (`…/results?filter=`), as Tekton Results' result filters
 *   event    one stored Event or run-finished status and its run (webhook subscriptions)
 * A getter returns undefined/null for a field the object lacks: comparisons with it are false.
 */
import type { StoredEvent } from '../event.js';
import { parseTime } from './time.js';

export type ValueType = 'text' | 'num' | 'time' | 'bool' | 'status';

/* eslint-disable @typescript-eslint/no-explicit-any -- getters read plain JSON objects */
export interface Field {
  type: ValueType;
  /** SQL over the row alias (`$` is replaced by it); absent where the environment has no SQL */
  sql?: string;
  get: (o: any) => unknown;
  /** the value every subject of the environment has: fold.ts decides comparisons with it up front */
  fixed?: string;
}

/** A list a quantifier (`exists`, `all`, `exists_one`) can range over. */
export interface ListDef {
  name: string;
  element: Record<string, Field>;
  /** objects inside an element that has() may test */
  elementObjects?: Record<string, (o: any) => unknown>;
  /** the element rows of the current record, in list order, as SQL: `from … where …` over an alias */
  sql?: { from: (alias: string) => string; order: (alias: string) => string };
  get: (o: any) => readonly unknown[];
  /** a list no subject of the environment has (`data.items` of a run record): null, like a missing field (fold.ts) */
  absent?: boolean;
}

export interface MapDef {
  sql?: (key: string) => string;
  sqlJson?: string;
  get: (o: any) => Record<string, unknown> | null | undefined;
  /** a map no subject has (`data.metadata.annotations` of a run record): null, like a missing field (fold.ts) */
  absent?: boolean;
}

export interface FilterEnv {
  name: 'records' | 'runRecords' | 'results' | 'event';
  fields: Record<string, Field>;
  lists: Record<string, ListDef>;
  /** maps from string keys to strings: `annotations["k"]` */
  maps: Record<string, MapDef>;
  /** objects has() may test: `has(event.series)` */
  objects: Record<string, (o: any) => unknown>;
  /** paths under these roots that name nothing are null (false in comparisons), not an error */
  openRoots: string[];
}

export const text = (sql: string | undefined, get: (o: any) => unknown): Field => ({ type: 'text', ...(sql ? { sql } : {}), get });
/** A text field every subject has with the same value. */
export const fixedText = (value: string): Field => ({ type: 'text', sql: `${sqlString(value)}::text`, get: () => value, fixed: value });
/** A constant as SQL text: only for the constants of this module, never input. */
function sqlString(v: string): string {
  if (!/^[\w./-]*$/.test(v)) throw new Error(`not a plain constant: ${v}`);
  return `'${v}'`;
}
const num = (sql: string | undefined, get: (o: any) => unknown): Field => ({ type: 'num', ...(sql ? { sql } : {}), get });
export const time = (sql: string | undefined, get: (o: any) => unknown): Field => ({ type: 'time', ...(sql ? { sql } : {}), get });

/** A JSON time string → microseconds; a stored time is valid, but a bad one is simply absent. */
export function timeOf(v: unknown): bigint | null {
  if (typeof v !== 'string') return null;
  try {
    return parseTime(v);
  } catch {
    return null;
  }
}

/** Fields of a stored Event (events.k8s.io/v1 names), as SQL over a record_events row. */
function eventFields(prefix: string, get: (o: any) => StoredEvent | undefined, sql: boolean): Record<string, Field> {
  const j = (path: string[]) => (sql ? `($.event${path.slice(0, -1).map((p) => `->'${p}'`).join('')}->>'${path[path.length - 1]}')` : undefined);
  const out: Record<string, Field> = {
    reason: text(sql ? '$.reason' : undefined, (o) => get(o)?.reason),
    type: text(sql ? '$.type' : undefined, (o) => get(o)?.type),
    'series.count': num(sql ? `(($.event->'series'->>'count')::numeric)` : undefined, (o) => get(o)?.series?.count),
  };
  for (const f of ['note', 'action', 'reportingController', 'reportingInstance']) {
    out[f] = text(j([f]), (o) => (get(o) as Record<string, unknown> | undefined)?.[f]);
  }
  for (const f of ['kind', 'name', 'namespace', 'uid', 'apiVersion', 'fieldPath', 'taskName']) {
    out[`regarding.${f}`] = text(j(['regarding', f]), (o) => (get(o)?.regarding as Record<string, unknown> | undefined)?.[f]);
  }
  for (const f of ['name', 'namespace', 'uid']) {
    out[`metadata.${f}`] = text(j(['metadata', f]), (o) => (get(o)?.metadata as Record<string, unknown> | undefined)?.[f]);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [prefix + k, v]));
}

const item = (o: any) => o as StoredEvent;

/** `data.items`: the Events of an EventList record, one record_events row each. */
export const ITEMS: ListDef = {
  name: 'data.items',
  element: eventFields('', item, true),
  elementObjects: { series: (o) => (o as StoredEvent).series, regarding: (o) => (o as StoredEvent).regarding, metadata: (o) => (o as StoredEvent).metadata },
  sql: {
    from: (a) => `record_events ${a} where ${a}.record_id = rec.id`,
    order: (a) => `${a}.first_seen, ${a}.event_key`,
  },
  get: (o) => (o.items as unknown[]) ?? [],
};

export const EVENT_LIST_TYPE = 'results.tekton.dev/v1.EventList';

/** What every record (EventList or run record) has as an in-process filter subject. */
export interface RecordMembers {
  parent: string;
  name: string;
  result_name: string;
  type: string;
  create_time: string;
  update_time: string;
}

/** A record as evaluated in process: what the records query reads, items decoded. */
export interface RecordSubject extends RecordMembers {
  items: StoredEvent[];
}

export const RECORDS: FilterEnv = {
  name: 'records',
  fields: {
    // Every records row is an EventList (the column keeps its default): fold.ts decides data_type.
    data_type: { ...text('rec.type', (o) => o.type), fixed: EVENT_LIST_TYPE },
    name: text('rec.name', (o) => o.name),
    parent: text('rec.parent', (o) => o.parent),
    result_name: text('res.name', (o) => o.result_name),
    create_time: time('rec.create_time', (o) => timeOf(o.create_time)),
    update_time: time('rec.update_time', (o) => timeOf(o.update_time)),
    // What every EventList says of itself; data.<anything else> is null (see openRoots).
    'data.kind': fixedText('EventList'),
    'data.apiVersion': fixedText('events.k8s.io/v1'),
  },
  lists: { 'data.items': ITEMS },
  maps: {},
  objects: { data: () => ({}) },
  openRoots: ['data'],
};

/** A result as evaluated in process: a results row. */
export interface ResultSubject {
  parent: string;
  name: string;
  uid: string;
  annotations: Record<string, string>;
  summary: Record<string, unknown> | null;
  create_time: string;
  update_time: string;
}

const summaryTime = (k: string): Field => time(`((r.summary->>'${k}')::timestamptz)`, (o) => timeOf(o.summary?.[k]));

export const RESULTS: FilterEnv = {
  name: 'results',
  fields: {
    parent: text('r.parent', (o) => o.parent),
    // A result's uid is the run uid it is named after, as the API prints it (render.ts).
    uid: text('r.name', (o) => o.uid),
    create_time: time('r.create_time', (o) => timeOf(o.create_time)),
    update_time: time('r.update_time', (o) => timeOf(o.update_time)),
    // No summary yet is UNKNOWN, as in Results (a summary is created UNKNOWN on first sight).
    'summary.status': { type: 'status', sql: `coalesce(r.summary->>'status', 'UNKNOWN')`, get: (o) => o.summary?.status ?? 'UNKNOWN' },
    'summary.type': text(`(r.summary->>'type')`, (o) => o.summary?.type),
    'summary.record': text(`(r.summary->>'record')`, (o) => o.summary?.record),
    'summary.start_time': summaryTime('start_time'),
    'summary.end_time': summaryTime('end_time'),
  },
  lists: {},
  maps: {
    annotations: { sql: (k) => `(r.annotations->>${k})`, sqlJson: 'r.annotations', get: (o) => o.annotations },
    'summary.annotations': { sql: (k) => `(r.summary->'annotations'->>${k})`, sqlJson: `(r.summary->'annotations')`, get: (o) => o.summary?.annotations },
  },
  objects: { summary: (o) => o.summary },
  openRoots: [],
};

/** What a webhook subscription's filter sees: one stored Event, or one run-finished status. */
export const EVENT: FilterEnv = {
  name: 'event',
  fields: {
    kind: text(undefined, (o) => o.kind),
    ...eventFields('event.', (o) => o.event, false),
    'run.kind': text(undefined, (o) => o.run?.kind),
    'run.name': text(undefined, (o) => o.run?.name),
    'run.uid': text(undefined, (o) => o.run?.uid),
    'run.namespace': text(undefined, (o) => o.run?.namespace),
    'pipelineRun.name': text(undefined, (o) => o.pipelineRun?.name),
    'pipelineRun.uid': text(undefined, (o) => o.pipelineRun?.uid),
    'status.reason': text(undefined, (o) => o.status?.reason),
    'status.message': text(undefined, (o) => o.status?.message),
    'status.startTime': time(undefined, (o) => timeOf(o.status?.startTime)),
    'status.completionTime': time(undefined, (o) => timeOf(o.status?.completionTime)),
  },
  lists: {
    'status.steps': {
      name: 'status.steps',
      element: {
        name: text(undefined, (s) => s.name),
        exitCode: num(undefined, (s) => s.exitCode),
        reason: text(undefined, (s) => s.reason),
      },
      get: (o) => (o.status?.steps as unknown[]) ?? [],
    },
  },
  maps: {},
  objects: {
    event: (o) => o.event,
    'event.series': (o) => o.event?.series,
    'event.regarding': (o) => o.event?.regarding,
    'event.metadata': (o) => o.event?.metadata,
    run: (o) => o.run,
    pipelineRun: (o) => o.pipelineRun,
    status: (o) => o.status,
  },
  openRoots: [],
};

/** Tekton Results' constants (its CEL environments declare them). */
export const RUN_TYPE_CONSTANTS: Record<string, string> = {
  PIPELINE_RUN: 'tekton.dev/v1.PipelineRun',
  TASK_RUN: 'tekton.dev/v1.TaskRun',
};

/** RecordSummary.Status: names and the integers Results' enum gives them. */
export const STATUS_VALUES = ['UNKNOWN', 'SUCCESS', 'FAILURE', 'TIMEOUT', 'CANCELLED'] as const;
