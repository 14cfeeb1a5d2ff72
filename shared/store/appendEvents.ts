/**
 * Appends Events to EventLists: one row per Event, upserted by (record, event key). The cost of
 * an append does not depend on how long the list already is.
 *
 * A newer state of an Event (higher series count, then later last-seen time, then higher
 * resourceVersion) replaces the stored one; the same or an older state changes nothing, so
 * redelivery and late arrivals are harmless. Returns the records that actually changed.
 */
import type pg from 'pg';
import type { EventWrite } from './types.js';

export interface EventRow {
  recordId: string;
  write: EventWrite;
}

function newer(a: EventWrite, b: EventWrite): boolean {
  if (a.seriesCount !== b.seriesCount) return a.seriesCount > b.seriesCount;
  const ta = Date.parse(a.lastSeen);
  const tb = Date.parse(b.lastSeen);
  if (ta !== tb) return ta > tb;
  return BigInt(a.resourceVersion) > BigInt(b.resourceVersion);
}

/**
 * One row per (record, key), the newest state: Postgres refuses to upsert one row twice in a
 * statement. Sorted, so concurrent writers take row locks in the same order.
 */
export function newestPerKey(rows: EventRow[]): EventRow[] {
  const byKey = new Map<string, EventRow>();
  for (const row of rows) {
    const k = `${row.recordId}\u0000${row.write.key}`;
    const prev = byKey.get(k);
    if (!prev || newer(row.write, prev.write)) byKey.set(k, row);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

export async function appendEvents(client: pg.ClientBase, rows: EventRow[]): Promise<Set<string>> {
  const unique = newestPerKey(rows);
  if (unique.length === 0) return new Set();
  const { rows: changed } = await client.query<{ record_id: string }>({
    text: `insert into record_events as e
             (record_id, event_key, series_count, last_seen, resource_version, first_seen, reason, type, event)
           select * from unnest($1::uuid[], $2::text[], $3::int8[], $4::timestamptz[], $5::numeric[],
                                $6::timestamptz[], $7::text[], $8::text[], $9::json[])
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
           returning record_id`,
    values: [
      unique.map((r) => r.recordId),
      unique.map((r) => r.write.key),
      unique.map((r) => r.write.seriesCount),
      unique.map((r) => r.write.lastSeen),
      unique.map((r) => r.write.resourceVersion),
      unique.map((r) => r.write.firstSeen),
      unique.map((r) => r.write.reason),
      unique.map((r) => r.write.type),
      unique.map((r) => JSON.stringify(r.write.event)),
    ],
  });
  return new Set(changed.map((r) => r.record_id));
}
