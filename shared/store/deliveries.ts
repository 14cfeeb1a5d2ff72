/**
 * Webhook deliveries: one row per (subscription, change), the record of every attempt. The job
 * queue only says *when* to try a delivery; this row says *whether* there is anything left to
 * do, so a job that runs twice (a crashed dispatcher's job retried, a redelivery) attempts at
 * most once at a time (the lease) and never after success.
 */
import type pg from 'pg';

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'cancelled';

/** New deliveries for (subscription, change) pairs; a pair already present is skipped. */
export async function insertDeliveries(
  client: pg.ClientBase,
  pairs: { subscriptionId: string; changeId: number }[],
  maxAgeSeconds: number,
): Promise<{ id: string; subscription_id: string }[]> {
  if (pairs.length === 0) return [];
  const { rows } = await client.query<{ id: string; subscription_id: string }>({
    text: `insert into webhook_deliveries (subscription_id, change_id, expire_time, next_attempt_time)
           select s, c, ch.stored_at + make_interval(secs => $3), now()
             from unnest($1::uuid[], $2::int8[]) as p(s, c) join webhook_changes ch on ch.id = p.c
           on conflict (subscription_id, change_id) do nothing
           returning id, subscription_id`,
    values: [pairs.map((p) => p.subscriptionId), pairs.map((p) => p.changeId), maxAgeSeconds],
  });
  return rows;
}

/** Redeliveries asked for through the API, taken off the list for this transaction to queue. */
export async function claimRequeued(client: pg.ClientBase, limit: number): Promise<{ id: string; subscription_id: string }[]> {
  const { rows } = await client.query<{ id: string; subscription_id: string }>({
    text: `update webhook_deliveries set requeue = false
            where id in (select id from webhook_deliveries where requeue order by id limit $1 for update skip locked)
           returning id, subscription_id`,
    values: [limit],
  });
  return rows;
}

/** The target URL of each pending delivery among `ids` (not locked: only to pick its target's line). */
export async function deliveryTargets(db: pg.Pool | pg.ClientBase, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; url: string }>({
    text: `select d.id, s.url from webhook_deliveries d join webhook_subscriptions s on s.id = d.subscription_id
            where d.id = any($1::uuid[]) and d.state = 'pending'`,
    values: [ids],
  });
  return new Map(rows.map((r) => [r.id, r.url]));
}

/** What one attempt needs: the delivery, its subscription and its change. */
export interface ClaimedDelivery {
  id: string;
  attempts: number;
  expire_time: Date;
  subscription_id: string;
  url: string;
  enabled: boolean;
  secret_ciphertext: string;
  kind: 'event' | 'run';
  ce_id: string;
  ce_subject: string;
  ce_time: Date | null;
  data: unknown;
  stored_at: Date;
}

/**
 * Leases the pending deliveries among `ids` that no one else holds, until `leaseSeconds` from
 * now; the others (done, or in flight elsewhere) are not returned.
 */
export async function claimDeliveries(db: pg.Pool | pg.ClientBase, ids: string[], leaseSeconds: number): Promise<ClaimedDelivery[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<ClaimedDelivery>({
    text: `update webhook_deliveries d set lease_until = clock_timestamp() + make_interval(secs => $2)
             from webhook_subscriptions s, webhook_changes c
            where d.id = any($1::uuid[]) and d.state = 'pending'
              and (d.lease_until is null or d.lease_until < clock_timestamp())
              and s.id = d.subscription_id and c.id = d.change_id
           returning d.id, d.attempts, d.expire_time, s.id as subscription_id, s.url, s.enabled, s.secret_ciphertext,
                     c.kind, c.ce_id, c.ce_subject, c.ce_time, c.data, c.stored_at`,
    values: [ids, leaseSeconds],
  });
  return rows;
}

/** The outcome of one attempt (or of a decision not to attempt: cancelled, deferred). */
export interface AttemptOutcome {
  id: string;
  state: DeliveryState;
  /** false: no request was made (deferred for a busy target, cancelled) */
  attempted: boolean;
  status: number | null;
  error: string | null;
  latencyMs: number | null;
  nextAttempt: Date | null;
}

/** Records outcomes and releases their leases, in one statement. */
export async function recordOutcomes(client: pg.ClientBase, outcomes: AttemptOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const input = JSON.stringify(
    outcomes.map((o) => ({ id: o.id, s: o.state, a: o.attempted, st: o.status, e: o.error, l: o.latencyMs, n: o.nextAttempt?.toISOString() ?? null })),
  );
  await client.query({
    name: 'webhook-record-outcomes',
    text: `update webhook_deliveries d set
             state = x.s,
             attempts = d.attempts + case when x.a then 1 else 0 end,
             last_status = case when x.a then x.st else d.last_status end,
             last_error = case when x.a or x.s = 'cancelled' then x.e else d.last_error end,
             last_latency_ms = case when x.a then x.l else d.last_latency_ms end,
             last_attempt_time = case when x.a then now() else d.last_attempt_time end,
             next_attempt_time = x.n,
             delivered_time = case when x.s = 'delivered' then now() else d.delivered_time end,
             attempt_log = case when x.a
               then jsonb_path_query_array(
                      jsonb_build_array(jsonb_build_object('time', now(), 'status', x.st, 'error', x.e, 'latency_ms', x.l)) || d.attempt_log,
                      '$[0 to 9]')
               else d.attempt_log end,
             lease_until = null
            from json_to_recordset($1::json) as x(id uuid, s text, a boolean, st int, e text, l int, n timestamptz)
           where d.id = x.id`,
    values: [input],
  });
}

export interface DeliveryView {
  id: string;
  change_id: number;
  kind: 'event' | 'run';
  ce_id: string;
  ce_subject: string;
  state: DeliveryState;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  last_attempt_time: Date | null;
  next_attempt_time: Date | null;
  delivered_time: Date | null;
  expire_time: Date;
  attempt_log: unknown[];
  create_time: Date;
  stored_at: Date;
}

/** A subscription's deliveries, newest first, after the (create_time, id) cursor. */
export async function listDeliveries(
  db: pg.Pool | pg.ClientBase,
  subscriptionId: string,
  opts: { state: DeliveryState | null; before: { time: string; id: string } | null; limit: number },
): Promise<DeliveryView[]> {
  const { rows } = await db.query<DeliveryView>({
    text: `select d.id, d.change_id, c.kind, c.ce_id, c.ce_subject, d.state, d.attempts, d.last_status, d.last_error,
                  d.last_latency_ms, d.last_attempt_time, d.next_attempt_time, d.delivered_time, d.expire_time,
                  d.attempt_log, d.create_time, c.stored_at
             from webhook_deliveries d join webhook_changes c on c.id = d.change_id
            where d.subscription_id = $1
              and ($2::text is null or d.state = $2::text)
              and ($3::timestamptz is null or (d.create_time, d.id) < ($3::timestamptz, $4::uuid))
            order by d.create_time desc, d.id desc
            limit $5`,
    values: [subscriptionId, opts.state, opts.before?.time ?? null, opts.before?.id ?? null, opts.limit],
  });
  return rows;
}

/**
 * Asks for a delivery to be made again (whatever its state): pending, a fresh maximum age, and
 * flagged for the dispatcher to queue. Returns false when there is no such delivery.
 */
export async function requestRedelivery(db: pg.Pool | pg.ClientBase, subscriptionId: string, deliveryId: string, maxAgeSeconds: number): Promise<boolean> {
  const { rowCount } = await db.query({
    text: `update webhook_deliveries set state = 'pending', requeue = true, next_attempt_time = now(),
                  expire_time = now() + make_interval(secs => $3)
            where id = $2 and subscription_id = $1`,
    values: [subscriptionId, deliveryId, maxAgeSeconds],
  });
  return (rowCount ?? 0) > 0;
}

/** Deliveries waiting (pending) and the age of the oldest, for the lag metric. */
export async function pendingDeliveries(db: pg.Pool | pg.ClientBase): Promise<{ pending: number; oldestSeconds: number }> {
  const { rows } = await db.query<{ pending: number; oldest: number | null }>({
    text: `select count(*)::int8 as pending, extract(epoch from now() - min(c.stored_at))::float8 as oldest
             from webhook_deliveries d join webhook_changes c on c.id = d.change_id where d.state = 'pending'`,
  });
  return { pending: rows[0]?.pending ?? 0, oldestSeconds: rows[0]?.oldest ?? 0 };
}
