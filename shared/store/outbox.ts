/**
 * The webhook outbox: one `webhook_changes` row per change the write path stored, written in
 * the write's own transaction (so no change is stored without its row, and no row exists for
 * a change rolled back), then fanned out to deliveries by the dispatcher.
 *
 * The rows are built from what this very transaction stored (the Event's row, the record's run
 * status), so each carries the state as it was written, even if a newer state replaces it before
 * the fan-out. Changes that no enabled subscription could match (kind, namespace) are not
 * written at all: without subscriptions the outbox costs one index probe per change.
 */
import type pg from 'pg';

/** A change the write path stored: an Event's new state, or a run's new terminal status. */
export type OutboxChange =
  | { kind: 'event'; recordId: string; eventKey: string; ceId?: string }
  | { kind: 'run'; recordId: string; ceId?: string };

const RUN_JSON = `json_build_object('kind', rec.run_kind, 'name', rec.run_name, 'uid', rec.run_uid)`;
const PIPELINE_RUN_JSON = `case when rec.run_kind = 'TaskRun' and res.run_kind = 'PipelineRun'
                               then json_build_object('name', res.run_name, 'uid', res.name) end`;

/**
 * The outbox rows of an append's changed items, as a data-modifying step of the append statement
 * itself (appendEvents.ts, CTEs `ins`: the items inserted or replaced, `input`: the rows sent,
 * with their Event and CloudEvent id). The same rows recordChanges would write for them, from
 * the values the statement has just stored, without reading them back.
 */
export const APPEND_OUTBOX_SQL = `
             insert into webhook_changes (kind, namespace, result_id, ce_id, ce_subject, ce_time, data)
             select 'event', rec.parent, rec.result_id, inp.i,
                    'namespaces/' || rec.parent || '/' || case rec.run_kind when 'TaskRun' then 'taskruns' else 'pipelineruns' end || '/' || rec.run_name,
                    inp.ls,
                    json_build_object('event', inp.e, 'run', ${RUN_JSON}, 'pipelineRun', ${PIPELINE_RUN_JSON})
               from ins
               join input inp on inp.record_id = ins.record_id and inp.k = ins.event_key
               join records rec on rec.id = ins.record_id
               join results res on res.id = rec.result_id
              where exists (select 1 from webhook_subscriptions s
                             where s.enabled and 'event' = any(s.kinds) and (s.namespaces is null or rec.parent = any(s.namespaces)))`;

/** Writes the outbox rows of `changes`; returns how many were written. Call inside the write transaction. */
export async function recordChanges(client: pg.ClientBase, changes: OutboxChange[]): Promise<number> {
  if (changes.length === 0) return 0;
  const input = JSON.stringify(changes.map((c) => ({ k: c.kind, r: c.recordId, e: c.kind === 'event' ? c.eventKey : null, i: c.ceId ?? null })));
  const { rowCount } = await client.query({
    name: 'webhook-record-changes',
    text: `with input as (
             select * from json_to_recordset($1::json) as x(k text, r uuid, e text, i text)
           ),
           changed as (
             select 'event'::text as kind, rec.parent, rec.result_id, rec.run_kind, rec.run_name,
                    coalesce(i.i, coalesce(ev.event->'metadata'->>'uid',
                                           coalesce(ev.event->'metadata'->>'namespace', '') || '.' || (ev.event->'metadata'->>'name'))
                                  || '/' || coalesce(ev.event->'metadata'->>'resourceVersion', '0')) as ce_id,
                    ev.last_seen as ce_time,
                    json_build_object('event', ev.event, 'run', ${RUN_JSON}, 'pipelineRun', ${PIPELINE_RUN_JSON}) as data
               from input i
               join record_events ev on ev.record_id = i.r and ev.event_key = i.e
               join records rec on rec.id = i.r
               join results res on res.id = rec.result_id
              where i.k = 'event'
             union all
             select 'run', rec.parent, rec.result_id, rec.run_kind, rec.run_name,
                    coalesce(i.i, rec.run_uid || '/' || rec.run_status_version::text),
                    nullif(rec.run_status->>'completionTime', '')::timestamptz,
                    json_build_object('run', ${RUN_JSON}, 'pipelineRun', ${PIPELINE_RUN_JSON}, 'status', rec.run_status::json)
               from input i
               join records rec on rec.id = i.r
               join results res on res.id = rec.result_id
              where i.k = 'run' and rec.run_status is not null
           )
           insert into webhook_changes (kind, namespace, result_id, ce_id, ce_subject, ce_time, data)
           select c.kind, c.parent, c.result_id, c.ce_id,
                  'namespaces/' || c.parent || '/' || case c.run_kind when 'TaskRun' then 'taskruns' else 'pipelineruns' end || '/' || c.run_name,
                  c.ce_time, c.data
             from changed c
            where exists (select 1 from webhook_subscriptions s
                           where s.enabled and c.kind = any(s.kinds) and (s.namespaces is null or c.parent = any(s.namespaces)))`,
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
