/**
 * Webhook subscriptions: one row each (sql/000007.sql). The secret is stored sealed and is never
 * selected by the reads that answer API calls.
 */
import type pg from 'pg';

export type ChangeKind = 'event' | 'run';

export interface Subscription {
  id: string;
  url: string;
  filter: string;
  namespaces: string[] | null;
  kinds: ChangeKind[];
  enabled: boolean;
  disabled_reason: string | null;
  create_time: Date;
  update_time: Date;
}

export interface SubscriptionWithSecret extends Subscription {
  secret_ciphertext: string;
}

const COLUMNS = 'id, url, filter, namespaces, kinds, enabled, disabled_reason, create_time, update_time';

export async function insertSubscription(
  db: pg.Pool | pg.ClientBase,
  s: { url: string; filter: string; namespaces: string[] | null; kinds: ChangeKind[]; secretCiphertext: string },
): Promise<Subscription> {
  const { rows } = await db.query<Subscription>({
    text: `insert into webhook_subscriptions (url, filter, namespaces, kinds, secret_ciphertext)
           values ($1, $2, $3::text[], $4::text[], $5) returning ${COLUMNS}`,
    values: [s.url, s.filter, s.namespaces, s.kinds, s.secretCiphertext],
  });
  return rows[0]!;
}

export async function getSubscription(db: pg.Pool | pg.ClientBase, id: string): Promise<Subscription | undefined> {
  const { rows } = await db.query<Subscription>({ text: `select ${COLUMNS} from webhook_subscriptions where id = $1`, values: [id] });
  return rows[0];
}

/**
 * One page of subscriptions in id order, after `after`. `within`: only those whose namespaces
 * all lie inside it (null: every subscription).
 */
export async function listSubscriptions(
  db: pg.Pool | pg.ClientBase,
  opts: { within: string[] | null; after: string | null; limit: number },
): Promise<Subscription[]> {
  const { rows } = await db.query<Subscription>({
    text: `select ${COLUMNS} from webhook_subscriptions
            where ($1::uuid is null or id > $1::uuid)
              and ($2::text[] is null or (namespaces is not null and namespaces <@ $2::text[]))
            order by id limit $3`,
    values: [opts.after, opts.within, opts.limit],
  });
  return rows;
}

export interface SubscriptionPatch {
  url?: string;
  filter?: string;
  namespaces?: string[] | null;
  kinds?: ChangeKind[];
  enabled?: boolean;
  secretCiphertext?: string;
}

export async function updateSubscription(db: pg.Pool | pg.ClientBase, id: string, p: SubscriptionPatch): Promise<Subscription | undefined> {
  const { rows } = await db.query<Subscription>({
    text: `update webhook_subscriptions set
             url = coalesce($2, url),
             filter = coalesce($3, filter),
             namespaces = case when $4::boolean then $5::text[] else namespaces end,
             kinds = coalesce($6::text[], kinds),
             enabled = coalesce($7::boolean, enabled),
             disabled_reason = case when $7::boolean then null else disabled_reason end,
             secret_ciphertext = coalesce($8, secret_ciphertext),
             update_time = now()
           where id = $1 returning ${COLUMNS}`,
    values: [
      id,
      p.url ?? null,
      p.filter ?? null,
      p.namespaces !== undefined,
      p.namespaces ?? null,
      p.kinds ?? null,
      p.enabled ?? null,
      p.secretCiphertext ?? null,
    ],
  });
  return rows[0];
}

export async function deleteSubscription(db: pg.Pool | pg.ClientBase, id: string): Promise<boolean> {
  const { rowCount } = await db.query({ text: `delete from webhook_subscriptions where id = $1`, values: [id] });
  return (rowCount ?? 0) > 0;
}

/** Every enabled subscription, secrets sealed: what the fan-out matches changes against. */
export async function enabledSubscriptions(db: pg.Pool | pg.ClientBase): Promise<SubscriptionWithSecret[]> {
  const { rows } = await db.query<SubscriptionWithSecret>({
    text: `select ${COLUMNS}, secret_ciphertext from webhook_subscriptions where enabled order by id`,
  });
  return rows;
}

/** A target answered 410 Gone: no more deliveries until someone enables it again. */
export async function disableSubscription(db: pg.Pool | pg.ClientBase, id: string, reason: string): Promise<void> {
  await db.query({
    text: `update webhook_subscriptions set enabled = false, disabled_reason = $2, update_time = now() where id = $1 and enabled`,
    values: [id, reason],
  });
}
