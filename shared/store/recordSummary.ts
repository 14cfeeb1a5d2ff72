/**
 * `…/records/summary`: Tekton Results' summary and aggregation API over runs. Each run we hold
 * (one `records` row: an EventList and its run status) counts once, as its run record would in
 * Results. Its status is the terminal condition's reason the forwarder sent when the run
 * finished; a run with none yet counts as `Running`. Aggregations and groups are constant SQL
 * chosen from the tables below; only the filter's literals are parameters.
 */
import type pg from 'pg';
import { Where } from './listing.js';

const REASON = `coalesce(rec.run_status->>'reason', 'Running')`;
const DURATION = `((rec.run_status->>'completionTime')::timestamptz - (rec.run_status->>'startTime')::timestamptz)`;
const START = `(rec.run_status->>'startTime')::timestamptz`;

/** Results' names → SQL, as its lister/aggregator.go defines them. */
export const AGGREGATES: Record<string, string> = {
  total: 'count(*)',
  avg_duration: `avg(${DURATION})::interval::text`,
  max_duration: `max(${DURATION})::interval::text`,
  min_duration: `min(${DURATION})::interval::text`,
  total_duration: `sum(${DURATION})::interval::text`,
  last_runtime: `max(extract(epoch from ${START}))::float8`,
  succeeded: `count(*) filter (where ${REASON} in ('Succeeded', 'Completed'))`,
  failed: `count(*) filter (where ${REASON} = 'Failed')`,
  cancelled: `count(*) filter (where ${REASON} = 'Cancelled')`,
  running: `count(*) filter (where ${REASON} = 'Running')`,
  others: `count(*) filter (where ${REASON} not in ('Failed', 'Succeeded', 'Cancelled', 'Running', 'Completed'))`,
};

const TIME_UNITS = new Set(['year', 'month', 'week', 'day', 'hour', 'minute']);
const TIME_FIELDS: Record<string, string> = {
  // creationTimestamp: when we first saw the run
  '': 'rec.create_time',
  startTime: START,
  completionTime: `(rec.run_status->>'completionTime')::timestamptz`,
};

/**
 * `group_by` → SQL, or undefined. Results also groups by `pipeline` and `repository` labels,
 * which we do not keep: the caller answers those 501.
 */
export function groupExpression(groupBy: string): string | undefined {
  const [what, field = '', ...rest] = groupBy.trim().split(/\s+/);
  if (!what || rest.length > 0) return undefined;
  if (TIME_UNITS.has(what)) {
    const col = TIME_FIELDS[field];
    // `what` is one of the constants above, never input
    return col ? `extract(epoch from date_trunc('${what}', ${col}))::float8` : undefined;
  }
  if (field !== '') return undefined;
  if (what === 'namespace') return 'rec.parent';
  return undefined;
}

export interface SummaryQuery {
  namespaces: string[] | null;
  resultName: string | null;
  filter: ((w: Where) => string) | undefined;
  aggregates: string[];
  group: string | undefined;
  order: { aggregate: string; direction: 'asc' | 'desc' } | undefined;
}

/** Most groups one answer holds: a time grouping over years of minutes must not be unbounded. */
export const MAX_GROUPS = 1000;

export async function summarizeRecords(db: pg.ClientBase | pg.Pool, q: SummaryQuery): Promise<Record<string, unknown>[]> {
  const w = new Where();
  if (q.namespaces) w.add(`rec.parent = any(${w.param(q.namespaces)}::text[])`);
  if (q.resultName !== null) w.add(`res.name = ${w.param(q.resultName)}`);
  if (q.filter) w.add(q.filter(w));
  // Column aliases are the aggregate names, checked against AGGREGATES by the caller.
  const select = q.aggregates.map((a) => `${AGGREGATES[a]} as ${a}`);
  if (q.group) select.push(`${q.group} as group_value`);
  const order = q.order ? ` order by ${q.order.aggregate} ${q.order.direction === 'asc' ? 'asc' : 'desc'} nulls last` : '';
  const { rows } = await db.query<Record<string, unknown>>({
    text: `select ${select.join(', ')}
             from records rec join results res on res.id = rec.result_id
             ${w.sql()}${q.group ? ' group by group_value' : ''}${order}
            limit ${MAX_GROUPS}`,
    values: w.values,
  });
  return rows;
}
