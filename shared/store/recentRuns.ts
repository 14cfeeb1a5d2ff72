/**
 * Recent runs for the `/ui` list: one row per result (a PipelineRun, or a standalone TaskRun),
 * newest first, optionally narrowed by status and by a part of the run's name.
 *
 * Bounded work whatever the filter: the query walks at most `window` of the newest results per
 * namespace through the (parent, create_time, id) index (or (create_time, id) for every
 * namespace) and filters only those. A rare status therefore cannot make one request read the
 * whole table; when the window is used up before a page is full, `next` points just past the last
 * row read, so the following page continues the search from there.
 */
import type pg from 'pg';
import { rfc3339, Where } from './listing.js';
import { runningSummary } from '../event.js';

/**
 * A run not finished yet (runningSummary in shared/event.ts): no summary, or the `UNKNOWN` one
 * without `end_time` its result gets on first sight.
 */
const RUNNING_SQL = `(w.summary is null or (coalesce(w.summary->>'status', 'UNKNOWN') = 'UNKNOWN' and w.summary->>'end_time' is null))`;

/** Summary statuses (SPEC §4) grouped as the page offers them; `running`: not finished yet. */
export const STATUS_FILTERS = {
  failed: ['FAILURE', 'TIMEOUT'],
  cancelled: ['CANCELLED'],
  succeeded: ['SUCCESS'],
  unknown: ['UNKNOWN'],
  running: [],
} as const satisfies Record<string, readonly string[]>;

export type StatusFilter = keyof typeof STATUS_FILTERS;

export interface RecentRunsQuery {
  /** null: every namespace */
  namespaces: string[] | null;
  status?: StatusFilter | undefined;
  /** case-insensitive part of the run name */
  nameContains?: string | undefined;
  /** start after this row (newest first) */
  before?: { createTime: string; id: string } | null | undefined;
  pageSize: number;
  /** most results read per namespace for one page */
  window: number;
}

export interface RecentRun {
  id: string;
  parent: string;
  /** the result's name: the run's uid */
  uid: string;
  runKind: 'PipelineRun' | 'TaskRun';
  runName: string;
  /** SUCCESS | FAILURE | TIMEOUT | CANCELLED | UNKNOWN, or null while no terminal status is stored */
  status: string | null;
  reason: string | null;
  message: string | null;
  startTime: string | null;
  endTime: string | null;
  createTime: string;
}

export interface RecentRunsPage {
  runs: RecentRun[];
  /** where the next page starts; null: nothing older */
  next: { createTime: string; id: string } | null;
}

interface Row {
  kind: 'hit' | 'edge';
  id: string;
  parent: string;
  name: string;
  run_kind: 'PipelineRun' | 'TaskRun';
  run_name: string;
  summary: { status?: string; start_time?: string | null; end_time?: string | null; annotations?: Record<string, string> } | null;
  create_time: string;
  sort_value: string;
}

/** The statement for `q`: exported so a test can EXPLAIN exactly what runs. */
export function recentRunsQuery(q: RecentRunsQuery): { text: string; values: unknown[] } {
  const w = new Where();
  const inWindow: string[] = [];
  if (q.before) {
    const t = w.param(q.before.createTime);
    const id = w.param(q.before.id);
    inWindow.push(`(r.create_time, r.id) < (${t}::timestamptz, ${id}::uuid)`);
  }
  const window = w.param(q.window);
  const cols = 'r.id, r.parent, r.name, r.run_kind, r.run_name, r.summary, r.create_time';
  const cond = (extra: string[]) => (extra.length ? `where ${extra.join(' and ')}` : '');
  // Per namespace, a lateral index scan of at most `window` rows; every namespace, one scan.
  const windowSql =
    q.namespaces === null
      ? `select ${cols} from results r ${cond(inWindow)} order by r.create_time desc, r.id desc limit ${window}`
      : `select x.* from unnest(${w.param(q.namespaces)}::text[]) as ns(parent)
           cross join lateral (select ${cols} from results r ${cond([`r.parent = ns.parent`, ...inWindow])}
                               order by r.create_time desc, r.id desc limit ${window}) x
         order by x.create_time desc, x.id desc limit ${window}`;
  const hit: string[] = [];
  if (q.status === 'running') hit.push(RUNNING_SQL);
  else if (q.status) hit.push(`w.summary->>'status' = any(${w.param(STATUS_FILTERS[q.status])}::text[]) and not ${RUNNING_SQL}`);
  if (q.nameContains) hit.push(`strpos(lower(w.run_name), lower(${w.param(q.nameContains)}::text)) > 0`);
  const limit = w.param(q.pageSize + 1);
  const out = `w.id, w.parent, w.name, w.run_kind, w.run_name, w.summary, ${rfc3339('w.create_time')} as create_time, w.create_time::text as sort_value, w.create_time as ts`;
  return {
    text: `with win as materialized (${windowSql}),
           hits as (select * from win w ${cond(hit)} order by w.create_time desc, w.id desc limit ${limit})
           select 'hit' as kind, ${out} from hits w
           union all
           select 'edge', ${out} from (select * from win order by create_time asc, id asc limit 1) w
            where (select count(*) from win) = ${window}
           order by kind desc, ts desc, id desc`,
    values: w.values,
  };
}

export async function recentRuns(db: pg.Pool | pg.ClientBase, q: RecentRunsQuery): Promise<RecentRunsPage> {
  const { rows } = await db.query<Row>(recentRunsQuery(q));
  const hits = rows.filter((r) => r.kind === 'hit');
  const edge = rows.find((r) => r.kind === 'edge');
  const runs = hits.slice(0, q.pageSize).map(toRun);
  let next: RecentRunsPage['next'] = null;
  if (hits.length > q.pageSize) {
    const last = hits[q.pageSize - 1]!;
    next = { createTime: last.sort_value, id: last.id };
  } else if (edge) {
    next = { createTime: edge.sort_value, id: edge.id };
  }
  return { runs, next };
}

function toRun(r: Row): RecentRun {
  const s = r.summary;
  return {
    id: r.id,
    parent: r.parent,
    uid: r.name,
    runKind: r.run_kind,
    runName: r.run_name,
    status: runningSummary(s) ? null : (s?.status ?? null),
    reason: s?.annotations?.['reason'] || null,
    message: s?.annotations?.['message'] || null,
    startTime: s?.start_time ?? null,
    endTime: s?.end_time ?? null,
    createTime: r.create_time,
  };
}
