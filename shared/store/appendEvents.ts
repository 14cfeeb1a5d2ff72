/**
 * Appends Events to EventLists: one row per Event, upserted by (record, event key), so the
 * cost of an append does not depend on how long the list already is.
 *
 * A newer state of an Event (higher series count, then later last-seen time, then higher
 * resourceVersion) replaces the stored one; the same or an older state changes nothing, so
 * redelivery and late arrivals are harmless. Records that changed get a new update_time and
 * etag version; their results' update_time follows, to the second.
 *
 * It is one statement: on its own (autocommit) it is atomic and costs one round trip. When a
 * list does not exist (yet, or any more: retention, DELETE of its result) it writes nothing and
 * says so (`ready: false`); the caller then creates the lists (createLists) and tries again.
 */
import type pg from 'pg';
import { listKeyString, type EventWrite, type ListKey } from './types.js';

function newer(a: EventWrite, b: EventWrite): boolean {
  if (a.seriesCount !== b.seriesCount) return a.seriesCount > b.seriesCount;
  const ta = Date.parse(a.lastSeen);
  const tb = Date.parse(b.lastSeen);
  if (ta !== tb) return ta > tb;
  return BigInt(a.resourceVersion) > BigInt(b.resourceVersion);
}

/** One write per (list, key), the newest: Postgres refuses to upsert one row twice in a statement. */
export function newestPerKey(writes: EventWrite[]): EventWrite[] {
  const byKey = new Map<string, EventWrite>();
  for (const w of writes) {
    const k = `${listKeyString(w.list)}\u0000${w.key}`;
    const prev = byKey.get(k);
    if (!prev || newer(w, prev)) byKey.set(k, w);
  }
  return [...byKey.values()];
}

export interface AppendOutcome {
  /** false: some list does not exist (yet, or any more), and nothing was written */
  ready: boolean;
  /** records whose items changed */
  changedRecords: string[];
}

/**
 * An append made ready to send: the lists it touches (distinct, sorted) and the statement's
 * parameters, the events serialised once. It holds no parsed Event objects, so a request
 * waiting on Postgres (or retrying) keeps a few strings alive rather than a tree of objects.
 */
export interface PreparedAppend {
  keys: ListKey[];
  /** listKeyString of each of `keys`, in the same order */
  keyStrings: string[];
  values: unknown[];
}

export function prepareAppend(writes: EventWrite[]): PreparedAppend | undefined {
  const unique = newestPerKey(writes);
  if (unique.length === 0) return undefined;
  const byKey = new Map<string, ListKey>();
  for (const w of unique) byKey.set(listKeyString(w.list), w.list);
  const sorted = [...byKey.keys()].sort();
  const index = new Map(sorted.map((k, i) => [k, i + 1]));
  const keys = sorted.map((k) => byKey.get(k)!);
  return {
    keys,
    keyStrings: sorted,
    values: [
      keys.map((k) => k.parent),
      keys.map((k) => k.resultUid),
      keys.map((k) => k.recordId),
      // One JSON document rather than nine parallel arrays: each event's JSON is then escaped
      // once, not again inside an array literal, and Postgres parses it in one pass.
      JSON.stringify(
        unique.map((w) => ({
          l: index.get(listKeyString(w.list))!,
          k: w.key,
          c: w.seriesCount,
          ls: w.lastSeen,
          rv: w.resourceVersion,
          fs: w.firstSeen,
          r: w.reason,
          t: w.type,
          e: w.event,
        })),
      ),
    ],
  };
}

export async function runAppend(db: pg.ClientBase | pg.Pool, prepared: PreparedAppend | undefined): Promise<AppendOutcome> {
  if (!prepared) return { ready: true, changedRecords: [] };
  const { rows } = await db.query<{ ready: boolean; changed: string[] | null }>({
    // Named, so each connection plans this statement once: planning costs more than running it.
    name: 'append-events',
    text: `with lists as (
             select k.i, rec.id as record_id, r.id as result_id
               from unnest($1::text[], $2::text[], $3::text[]) with ordinality as k(parent, result_name, record_name, i)
               left join results r on r.parent = k.parent and r.name = k.result_name
               left join records rec on rec.result_id = r.id and rec.name = k.record_name
           ),
           -- Each record row is locked before its events go in, in one order for every writer
           -- (and results after records, in one order too), so a record deleted meanwhile
           -- (retention, DELETE of its result) is seen as gone rather than left with orphan
           -- events. 'no key update': the bump below needs no more.
           locked as (
             select id from records where id in (select record_id from lists) order by id for no key update
           ),
           ready as (
             select bool_and(record_id is not null) and (select count(*) from locked) = count(distinct record_id) as ok
               from lists
           ),
           input as (
             select l.record_id, e.k, e.c, e.ls, e.rv, e.fs, e.r, e.t, e.e
               from json_to_recordset($4::json)
                    as e(l int8, k text, c int8, ls timestamptz, rv numeric, fs timestamptz, r text, t text, e json)
               join lists l on l.i = e.l
              where (select ok from ready)
              order by l.record_id, e.k
           ),
           ins as (
             insert into record_events as e
                    (record_id, event_key, series_count, last_seen, resource_version, first_seen, reason, type, event)
             select * from input
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
             returning record_id
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
           )
           select (select ok from ready) as ready,
                  (select array_agg(record_id) from changed) as changed,
                  (select count(*) from touched_records) as records,
                  (select count(*) from touched_results) as results`,
    values: prepared.values,
  });
  const row = rows[0]!;
  return { ready: row.ready, changedRecords: row.changed ?? [] };
}
