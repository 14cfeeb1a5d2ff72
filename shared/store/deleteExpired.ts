/**
 * Retention: deletes Results last updated before a cut-off, oldest first, one bounded batch
 * per call. Their records and events go with them (on delete cascade); they are counted in the
 * same statement, from the snapshot the delete starts from, so the report matches what went.
 *
 * `skip locked`: a result an ingest transaction is writing right now is left for the next run
 * rather than waited for — it is being updated, so it will not be old then anyway.
 */
import type pg from 'pg';

export interface DeletedBatch {
  results: number;
  records: number;
  events: number;
}

/** The retention age stored by `npm run infra -- apply` (settings key `retention_days`), if any. */
export async function storedRetentionDays(db: pg.ClientBase | pg.Pool): Promise<number | undefined> {
  const { rows } = await db.query<{ value: string }>({
    text: `select value from settings where key = 'retention_days'`,
  });
  const value = Number(rows[0]?.value);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

export async function deleteExpiredBatch(db: pg.ClientBase | pg.Pool, olderThan: Date, limit: number): Promise<DeletedBatch> {
  const { rows } = await db.query<{ results: number; records: number; events: number }>({
    text: `with doomed as (
             select id from results
              where update_time < $1::timestamptz
              order by update_time, id
              limit $2
              for update skip locked
           ),
           doomed_records as (
             select id from records where result_id in (select id from doomed)
           ),
           deleted as (
             delete from results where id in (select id from doomed) returning id
           )
           select (select count(*) from deleted)::int8 as results,
                  (select count(*) from doomed_records)::int8 as records,
                  (select count(*) from record_events where record_id in (select id from doomed_records))::int8 as events`,
    values: [olderThan.toISOString(), limit],
  });
  const row = rows[0]!;
  return { results: row.results, records: row.records, events: row.events };
}
