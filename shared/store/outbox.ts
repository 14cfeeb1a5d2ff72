/**
 * The webhook outbox: one `webhook_changes` row per change the write path stored, written with
 * the write itself (so no change is stored without its row, and no row exists for a change
 * rolled back), then fanned out to deliveries by the dispatcher.
 *
 * The rows are built from what the write stored, so each carries the state as it was written,
 * even if a newer state replaces it before the fan-out:
 *  - an Event's row by the very statement that appends it (APPEND_OUTBOX_SQL, a step of the
 *    append in appendEvents.ts), from the values it stores, nothing read back;
 *  - a run status's row by recordRunChanges, in the status's transaction.
 * Changes that no enabled subscription could match (kind, namespace) are not written at all:
 * without subscriptions the outbox costs one index probe per change.
 */
import type pg from 'pg';

/** A run's new terminal status, as the write path stored it on the record. */
export interface OutboxRunChange {
  recordId: string;
  ceId?: string;
}

/** The parts of a change row every kind builds alike, over `rec` (records) and `res` (results). */
const RUN_JSON = `json_build_object('kind', rec.run_kind, 'name', rec.run_name, 'uid', rec.run_uid)`;
const PIPELINE_RUN_JSON = `case when rec.run_kind = 'TaskRun' and res.run_kind = 'PipelineRun'
                               then json_build_object('name', res.run_name, 'uid', res.name) end`;
const SUBJECT = `'namespaces/' || rec.parent || '/' || case rec.run_kind when 'TaskRun' then 'taskruns' else 'pipelineruns' end || '/' || rec.run_name`;
const COLUMNS = `kind, namespace, result_id, ce_id, ce_subject, ce_time, data`;
/** Whether an enabled subscription could match a change of `kind` in rec's namespace. */
const covered = (kind: 'event' | 'run'): string =>
  `exists (select 1 from webhook_subscriptions s
            where s.enabled and '${kind}' = any(s.kinds) and (s.namespaces is null or rec.parent = any(s.namespaces)))`;

/**
 * The outbox rows of an append's changed items, as a data-modifying step of the append statement
 * itself (appendEvents.ts, CTEs `ins`: the items inserted or replaced, `input`: the rows sent,
 * with their Event and CloudEvent id).
 */
export const APPEND_OUTBOX_SQL = `
             insert into webhook_changes (${COLUMNS})
             select 'event', rec.parent, rec.result_id, inp.i, ${SUBJECT}, inp.ls,
                    json_build_object('event', inp.e, 'run', ${RUN_JSON}, 'pipelineRun', ${PIPELINE_RUN_JSON})
               from ins
               join input inp on inp.record_id = ins.record_id and inp.k = ins.event_key
               join records rec on rec.id = ins.record_id
               join results res on res.id = rec.result_id
              where ${covered('event')}`;

/** Writes the outbox rows of run statuses; returns how many were written. Call inside the write transaction. */
export async function recordRunChanges(client: pg.ClientBase, changes: OutboxRunChange[]): Promise<number> {
  if (changes.length === 0) return 0;
  const input = JSON.stringify(changes.map((c) => ({ r: c.recordId, i: c.ceId ?? null })));
  const { rowCount } = await client.query({
    name: 'webhook-record-run-changes',
    text: `insert into webhook_changes (${COLUMNS})
           select 'run', rec.parent, rec.result_id,
                  coalesce(i.i, rec.run_uid || '/' || rec.run_status_version::text), ${SUBJECT},
                  nullif(rec.run_status->>'completionTime', '')::timestamptz,
                  json_build_object('run', ${RUN_JSON}, 'pipelineRun', ${PIPELINE_RUN_JSON}, 'status', rec.run_status::json)
             from json_to_recordset($1::json) as i(r uuid, i text)
             join records rec on rec.id = i.r
             join results res on res.id = rec.result_id
            where rec.run_status is not null and ${covered('run')}`,
    values: [input],
  });
  return rowCount ?? 0;
}

export interface ChangeRow {
  id: number;
  kind: 'event' | 'run';
  namespace: string;
  ce_id: string;
  ce_subject: string;
  ce_time: Date | null;
  data: Record<string, unknown>;
  stored_at: Date;
}

/** The oldest changes not yet fanned out, locked for this transaction (others skip them). */
export async function claimPendingChanges(client: pg.ClientBase, limit: number): Promise<ChangeRow[]> {
  const { rows } = await client.query<ChangeRow>({
    text: `select id, kind, namespace, ce_id, ce_subject, ce_time, data, stored_at
             from webhook_changes where not fanned_out
            order by id limit $1 for update skip locked`,
    values: [limit],
  });
  return rows;
}

/** Changes with deliveries are kept (the deliveries point at them); the others are done with. */
export async function settleChanges(client: pg.ClientBase, kept: number[], dropped: number[]): Promise<void> {
  if (kept.length > 0) await client.query({ text: `update webhook_changes set fanned_out = true where id = any($1::int8[])`, values: [kept] });
  if (dropped.length > 0) await client.query({ text: `delete from webhook_changes where id = any($1::int8[])`, values: [dropped] });
}

/** Seconds since the oldest change still waiting for its fan-out was stored (0: none waits). */
export async function outboxLag(db: pg.Pool | pg.ClientBase): Promise<{ pending: number; lagSeconds: number }> {
  const { rows } = await db.query<{ pending: number; lag: number | null }>({
    text: `select count(*)::int8 as pending, extract(epoch from clock_timestamp() - min(stored_at))::float8 as lag
             from webhook_changes where not fanned_out`,
  });
  return { pending: rows[0]?.pending ?? 0, lagSeconds: rows[0]?.lag ?? 0 };
}
