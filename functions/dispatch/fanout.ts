/**
 * Fan-out: pending changes from the outbox → one delivery per matching subscription → one job
 * each, all in one transaction with the outbox rows settled, so a dispatcher killed half-way
 * leaves the changes pending for the next one and no delivery or job without its change.
 * Redeliveries asked for through the API are queued in the same transaction.
 */
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { inTransaction } from '../../shared/db/pool.js';
import { logger } from '../../shared/log.js';
import { claimPendingChanges, settleChanges, type ChangeRow } from '../../shared/store/outbox.js';
import { claimRequeued, insertDeliveries } from '../../shared/store/deliveries.js';
import { enabledSubscriptions, type SubscriptionWithSecret } from '../../shared/store/subscriptions.js';
import { compileChangeFilter, type ChangePredicate, type EventFilterContext } from '../../shared/webhooks/filter.js';
import type { RunStatus, StoredEvent } from '../../shared/event.js';
import { bossDb, deliverJobs } from './queue.js';

export const FANOUT_BATCH = 500;
/** Deliveries created per transaction at most: 500 changes × 100 subscriptions is too big a write. */
export const MAX_DELIVERIES_PER_ROUND = 5_000;

interface Compiled {
  sub: SubscriptionWithSecret;
  predicate: ChangePredicate;
}

/** Compiled filters, kept while their subscription is unchanged (keyed by id and update time). */
export class SubscriptionMatcher {
  #cache = new Map<string, Compiled>();

  async load(db: pg.ClientBase): Promise<Compiled[]> {
    const subs = await enabledSubscriptions(db);
    const next = new Map<string, Compiled>();
    for (const sub of subs) {
      const key = `${sub.id}@${sub.update_time.getTime()}`;
      let c = this.#cache.get(key);
      if (!c) {
        try {
          c = { sub, predicate: compileChangeFilter(sub.filter) };
        } catch (err) {
          // Accepted when created, refused now (an engine upgrade): match nothing, say why.
          logger.warn({ subscription: sub.id, message: (err as Error).message }, 'subscription filter does not compile; it matches nothing');
          c = { sub, predicate: () => false };
        }
      }
      next.set(key, c);
    }
    this.#cache = next;
    return [...next.values()];
  }
}

export function filterContext(change: ChangeRow): EventFilterContext {
  const data = change.data as {
    event?: StoredEvent;
    run: { kind: 'TaskRun' | 'PipelineRun'; name: string; uid: string };
    pipelineRun: { name: string; uid: string } | null;
    status?: RunStatus;
  };
  const ctx: EventFilterContext = { kind: change.kind, run: { ...data.run, namespace: change.namespace }, pipelineRun: data.pipelineRun ?? null };
  if (data.event) ctx.event = data.event;
  if (data.status) ctx.status = data.status;
  return ctx;
}

export function matches(c: Compiled, change: ChangeRow, ctx: EventFilterContext): boolean {
  const s = c.sub;
  if (!s.kinds.includes(change.kind)) return false;
  if (s.namespaces !== null && !s.namespaces.includes(change.namespace)) return false;
  // A subscription sees the changes stored after it was made, not the backlog before it.
  if (change.stored_at < s.create_time) return false;
  return c.predicate(ctx);
}

export interface FanOutReport {
  changes: number;
  deliveries: number;
  requeued: number;
  /** changes were left for the next round */
  more?: boolean;
}

export async function fanOutOnce(pool: pg.Pool, boss: PgBoss, matcher: SubscriptionMatcher, maxAgeSeconds: number): Promise<FanOutReport> {
  return inTransaction(pool, async (client) => {
    const changes = await claimPendingChanges(client, FANOUT_BATCH);
    const requeued = await claimRequeued(client, FANOUT_BATCH);
    if (changes.length === 0 && requeued.length === 0) return { changes: 0, deliveries: 0, requeued: 0 };
    const subs = changes.length > 0 ? await matcher.load(client) : [];
    const pairs: { subscriptionId: string; changeId: number }[] = [];
    const kept: number[] = [];
    const dropped: number[] = [];
    for (const change of changes) {
      // The changes not reached stay pending (their locks go at commit) for the next round.
      if (pairs.length >= MAX_DELIVERIES_PER_ROUND) break;
      const ctx = filterContext(change);
      let any = false;
      for (const c of subs) {
        if (!matches(c, change, ctx)) continue;
        pairs.push({ subscriptionId: c.sub.id, changeId: change.id });
        any = true;
      }
      (any ? kept : dropped).push(change.id);
    }
    const created = await insertDeliveries(client, pairs, maxAgeSeconds);
    const jobs = deliverJobs([...created, ...requeued]);
    if (jobs.length > 0) await boss.insert(jobs, { db: bossDb(client) });
    await settleChanges(client, kept, dropped);
    return { changes: kept.length + dropped.length, deliveries: created.length, requeued: requeued.length, more: kept.length + dropped.length < changes.length };
  });
}
