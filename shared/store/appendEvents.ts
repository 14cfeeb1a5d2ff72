/**
 * Appends Events to EventLists: one row per Event, upserted by (record, event key), so the
 * cost of an append does not depend on how long the list already is.
 *
 * A newer state of an Event (higher series count, then later last-seen time, then higher
 * resourceVersion) replaces the stored one; the same or an older state changes nothing, so
 * redelivery and late arrivals are harmless. Records that changed get a new update_time and
 * etag version; their results' update_time follows, to the second.
 *
 * Two steps, so group commit can merge requests cheaply:
 *  - `prepareEvents` (per request, at once): each Event serialised to its row JSON, keeping only
 *    the few fields deduplication needs; the parsed Event objects are then garbage.
 *  - `prepareAppend` (per group of requests): the newest state per (list, key) across the
 *    group, the lists sorted, and the rows joined into one JSON document, by concatenation.
 *
 * The append is one statement: on its own (autocommit) it is atomic and costs one round trip.
 * When a list does not exist (yet, or any more: retention, DELETE of its result) it writes
 * nothing and says so (`ready: false`); the caller then creates the lists and tries again.
 */
import type pg from 'pg';
import { inStatement } from '../db/errors.js';
import { LIST_IDS_SQL, listIdValues } from './listIds.js';
import { APPEND_OUTBOX_SQL } from './outbox.js';
import { betterKey, listKeyString, type EventWrite, type ListKey, type StoredEventChange } from './types.js';

/** One Event made ready to append: its row already serialised. */
export interface PreparedEvent {
  list: ListKey;
  listKey: string;
  key: string;
  ceId: string;
  seriesCount: number;
  /** microseconds since the epoch: Postgres orders timestamptz to the microsecond, so must we */
  lastSeenUs: number;
  resourceVersion: bigint;
  /** The row as a JSON object without its list index: `{"k":…,…}`. */
  row: string;
}

/**
 * An RFC 3339 time (validated upstream) as microseconds since the epoch. Date.parse stops at the
 * millisecond, and Kubernetes MicroTime (eventTime, series.lastObservedTime) goes further: two
 * states a microsecond apart must be ordered here as the upsert orders them, or merging them
 * keeps the one Postgres would have refused. Digits past the sixth are cut, not rounded.
 */
export function microseconds(time: string): number {
  const fraction = /\.(\d+)/.exec(time)?.[1] ?? '';
  return Date.parse(time) * 1000 + Number(fraction.slice(3, 6).padEnd(3, '0'));
}

export function prepareEvents(writes: readonly EventWrite[]): PreparedEvent[] {
  return writes.map((w) => ({
    list: w.list,
    listKey: listKeyString(w.list),
    key: w.key,
    ceId: w.ceId,
    seriesCount: w.seriesCount,
    lastSeenUs: microseconds(w.lastSeen),
    resourceVersion: BigInt(w.resourceVersion),
    // One JSON document rather than nine parallel arrays: each event's JSON is then escaped
    // once, not again inside an array literal, and Postgres parses it in one pass.
    row: JSON.stringify({ k: w.key, c: w.seriesCount, ls: w.lastSeen, rv: w.resourceVersion, fs: w.firstSeen, r: w.reason, t: w.type, i: w.ceId, e: w.event }),
  }));
}

function newer(a: PreparedEvent, b: PreparedEvent): boolean {
  if (a.seriesCount !== b.seriesCount) return a.seriesCount > b.seriesCount;
  if (a.lastSeenUs !== b.lastSeenUs) return a.lastSeenUs > b.lastSeenUs;
  return a.resourceVersion > b.resourceVersion;
}

/** One write per (list, key), the newest: Postgres refuses to upsert one row twice in a statement. */
export function newestPerKey(events: readonly PreparedEvent[]): PreparedEvent[] {
  const byKey = new Map<string, PreparedEvent>();
  for (const e of events) {
    const k = `${e.listKey}\u0000${e.key}`;
    const prev = byKey.get(k);
    if (!prev || newer(e, prev)) byKey.set(k, e);
  }
  return [...byKey.values()];
}

/** An append made ready to send: the lists it touches (distinct, sorted) and the statement's parameters. */
export interface PreparedAppend {
  keys: ListKey[];
  /** listKeyString of each of `keys`, in the same order */
  keyStrings: string[];
  /** the Events appended, by `<list index>\0<event key>`, to name the CloudEvent of each change */
  byItem: Map<string, PreparedEvent>;
  values: unknown[];
}

export function prepareAppend(events: readonly PreparedEvent[]): PreparedAppend | undefined {
  const unique = newestPerKey(events);
  if (unique.length === 0) return undefined;
  const byKey = new Map<string, ListKey>();
  // Every write's key, not only the newest per item: any of them may be the one that knows the pipeline.
  for (const e of events) byKey.set(e.listKey, betterKey(byKey.get(e.listKey), e.list));
  const sorted = [...byKey.keys()].sort();
  const index = new Map(sorted.map((k, i) => [k, i + 1]));
  const keys = sorted.map((k) => byKey.get(k)!);
  const byItem = new Map<string, PreparedEvent>();
  const rows: string[] = [];
  for (const e of unique) {
    const l = index.get(e.listKey)!;
    byItem.set(`${l}\u0000${e.key}`, e);
    rows.push(`{"l":${l},${e.row.slice(1)}`);
  }
  return { keys, keyStrings: sorted, byItem, values: [...listIdValues(keys), `[${rows.join(',')}]`] };
}

export interface AppendOutcome {
  /** false: some list does not exist (yet, or any more), and nothing was written */
  ready: boolean;
  /** records (row ids) whose items changed */
  changedRecords: string[];
  /** every item that changed; only when asked for (a ChangeSink is active) */
  changes: StoredEventChange[];
}

export interface AppendOptions {
  /** return every changed item (`changes`), for a ChangeSink */
  reportChanges?: boolean;
  /**
   * write the webhook outbox rows of the changed items in this same statement
   * (outbox.ts APPEND_OUTBOX_SQL): no transaction, no second statement, no read-back
   */
  outbox?: boolean;
}

function appendSql(outbox: boolean): string {
  return `with lists as (${LIST_IDS_SQL}),
           -- Each record row is locked before its events go in, in one order for every writer
           -- (and results after records, in one order too: see LOCK ORDER in writeBatch.ts), so
           -- a record deleted meanwhile (retention, DELETE of its result) is seen as gone rather
           -- than left with orphan events. 'no key update': the bump below needs no more.
           locked as (
             select id from records where id in (select record_id from lists) order by id for no key update
           ),
           ready as (
             select bool_and(record_id is not null) and (select count(*) from locked) = count(distinct record_id) as ok
               from lists
           ),
           input as (
             select l.record_id, e.k, e.c, e.ls, e.rv, e.fs, e.r, e.t, e.e, e.i
               from json_to_recordset($4::json)
                    as e(l int8, k text, c int8, ls timestamptz, rv numeric, fs timestamptz, r text, t text, e json, i text)
               join lists l on l.i = e.l
              where (select ok from ready)
              order by l.record_id, e.k
           ),
           ins as (
             insert into record_events as e
                    (record_id, event_key, series_count, last_seen, resource_version, first_seen, reason, type, event)
             select record_id, k, c, ls, rv, fs, r, t, e from input
             on conflict (record_id, event_key) do update set
               series_count = excluded.series_count,
               last_seen = excluded.last_seen,
               resource_version = excluded.resource_version,
               first_seen = least(e.first_seen, excluded.first_seen),
               reason = excluded.reason,
               type = excluded.type,
               event = excluded.event
             where (excluded.series_count, excluded.last_seen, excluded.resource_version)
                 > (e.series_count, e.last_seen, e.resource_version)
             -- xmax = 0: the row was inserted, not updated (the upsert's own row version)
             returning record_id, event_key, (xmax = 0) as created
           ),
           changed as (
             select distinct record_id from ins
           ),
           touched_records as (
             update records r set update_time = now(), version = r.version + 1
              where r.id in (select record_id from changed)
             returning r.id
           ),
           -- A result's update_time follows its lists' activity to the second: every TaskRun of a
           -- pipeline shares the result row, and bumping it on each append would serialise them all.
           locked_results as (
             select id from results
              where id in (select l.result_id from lists l join changed c on c.record_id = l.record_id)
                and update_time < now() - interval '1 second'
              order by id for no key update
           ),
           touched_results as (
             update results s set update_time = now(), version = s.version + 1
               from locked_results l where s.id = l.id
             returning s.id
           )${outbox ? `,
           -- data-modifying: runs whether or not the select below reads it
           outbox as (${APPEND_OUTBOX_SQL})` : ''}
           select (select ok from ready) as ready,
                  (select array_agg(record_id) from changed) as changed,
                  case when $5::bool then (select json_agg(json_build_array(i, record_id, result_id)) from lists) end as lists,
                  case when $5::bool then (select json_agg(json_build_array(record_id, event_key, created)) from ins) end as items,
                  (select count(*) from touched_records) as records,
                  (select count(*) from touched_results) as results`;
}

const APPEND = appendSql(false);
const APPEND_WITH_OUTBOX = appendSql(true);

export async function runAppend(db: pg.ClientBase | pg.Pool, prepared: PreparedAppend | undefined, opts: AppendOptions = {}): Promise<AppendOutcome> {
  if (!prepared) return { ready: true, changedRecords: [], changes: [] };
  const reportChanges = opts.reportChanges === true;
  const name = opts.outbox ? 'append-events-outbox' : 'append-events';
  const { rows } = await db
    .query<{ ready: boolean; changed: string[] | null; lists: [number, string, string][] | null; items: [string, string, boolean][] | null }>({
      // Named, so each connection plans this statement once: planning costs more than running it.
      name,
      text: opts.outbox ? APPEND_WITH_OUTBOX : APPEND,
      values: [...prepared.values, reportChanges],
    })
    .catch(inStatement(name));
  const row = rows[0]!;
  const changes: StoredEventChange[] = [];
  if (reportChanges && row.ready && row.items) {
    const listOf = new Map<string, { i: number; resultId: string }>();
    for (const [i, recordId, resultId] of row.lists ?? []) listOf.set(recordId, { i, resultId });
    for (const [recordId, eventKey, created] of row.items) {
      const l = listOf.get(recordId)!;
      const e = prepared.byItem.get(`${l.i}\u0000${eventKey}`)!;
      changes.push({ kind: 'event', recordId, resultId: l.resultId, list: e.list, ceId: e.ceId, eventKey, created });
    }
  }
  return { ready: row.ready, changedRecords: row.changed ?? [], changes };
}
