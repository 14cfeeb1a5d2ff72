/**
 * Who may see and change which subscription, and the reads and actions every face of the
 * subscriptions performs under that rule: the API (handler.ts) and the pages (functions/ui)
 * both go through here, so there is one copy of the rule.
 *
 * The rule is the query API's (an Authorizer): a subscription may only cover namespaces its
 * caller may read (`list` on records there), and only a caller who may read every namespace it
 * covers sees or changes it; others get 404, as if it did not exist. A subscription without
 * namespaces covers every namespace, so only a caller who may read every namespace makes one.
 */
import type pg from 'pg';
import { HttpError } from '../../shared/http/problem.js';
import type { Caller } from '../../shared/http/caller.js';
import type { Authorizer } from '../query/access.js';
import { deleteSubscription, getSubscription, listSubscriptions, updateSubscription, type Subscription } from '../../shared/store/subscriptions.js';
import { outboxSink } from '../../shared/webhooks/outboxSink.js';
import { listDeliveries, requestRedelivery, type DeliveryState, type DeliveryView } from '../../shared/store/deliveries.js';

export const DELIVERY_STATES: ReadonlySet<DeliveryState> = new Set<DeliveryState>(['pending', 'delivered', 'failed', 'cancelled']);

/** A `state` filter as a caller wrote it → a state, or 400. */
export function deliveryState(text: string | null): DeliveryState | null {
  if (text === null || text === '') return null;
  if (!DELIVERY_STATES.has(text as DeliveryState)) throw new HttpError(400, `state must be one of ${[...DELIVERY_STATES].join(', ')}`);
  return text as DeliveryState;
}

export interface SubscriptionAccess {
  /** Throws 403 unless the caller may read every namespace in `namespaces` (null: every namespace). */
  mayCover(caller: Caller, namespaces: string[] | null): Promise<void>;
  /** The subscription, if the caller may see it; 404 otherwise (a 401 stays a 401). */
  visible(caller: Caller, id: string): Promise<Subscription>;
  /** One page (id order, after `after`) of the subscriptions the caller may see. */
  list(caller: Caller, page: { after: string | null; limit: number }): Promise<Subscription[]>;
  /**
   * One page of visible subscriptions, each with its `recent` newest deliveries (and whether it
   * has more): what the pages list. Bounded: `limit` subscriptions, `recent + 1` rows each.
   */
  listWithRecent(caller: Caller, page: { after: string | null; limit: number; recent: number }): Promise<Array<{ subscription: Subscription; recent: DeliveryView[]; more: boolean }>>;
  /** A visible subscription's deliveries, newest first. */
  deliveries(
    caller: Caller,
    id: string,
    page: { state: DeliveryState | null; before: { time: string; id: string } | null; limit: number },
  ): Promise<{ subscription: Subscription; deliveries: DeliveryView[] }>;
  /** Asks for a delivery to be made again: 400 while the subscription is disabled, 404 for an unknown delivery. */
  redeliver(caller: Caller, id: string, delivery: string): Promise<void>;
  remove(caller: Caller, id: string): Promise<void>;
  /** Turns a visible subscription on (clearing why it was off, e.g. a 410) or off. */
  setEnabled(caller: Caller, id: string, enabled: boolean): Promise<Subscription>;
}

export function subscriptionAccess(pool: pg.Pool, authorizer: Authorizer, opts: { maxAgeSeconds: number }): SubscriptionAccess {
  async function mayCover(caller: Caller, namespaces: string[] | null): Promise<void> {
    if (namespaces === null) {
      const scope = await authorizer.authorize(caller, '-', 'list', 'records');
      if (!scope.all) throw new HttpError(403, 'this token may not read every namespace: name the namespaces the subscription covers');
      return;
    }
    for (const ns of namespaces) await authorizer.authorize(caller, ns, 'list', 'records');
  }

  async function visible(caller: Caller, id: string): Promise<Subscription> {
    const sub = await getSubscription(pool, id);
    if (!sub) throw new HttpError(404, `subscription ${id} not found`);
    try {
      await mayCover(caller, sub.namespaces);
    } catch (err) {
      if (err instanceof HttpError && err.status === 403) throw new HttpError(404, `subscription ${id} not found`);
      throw err;
    }
    return sub;
  }

  return {
    mayCover,
    visible,
    async list(caller, page) {
      const scope = await authorizer.authorize(caller, '-', 'list', 'records');
      return listSubscriptions(pool, { within: scope.all ? null : scope.namespaces, after: page.after, limit: page.limit });
    },
    async listWithRecent(caller, page) {
      const scope = await authorizer.authorize(caller, '-', 'list', 'records');
      const subs = await listSubscriptions(pool, { within: scope.all ? null : scope.namespaces, after: page.after, limit: page.limit });
      // Each one lies within the caller's scope (the list asked for no other): no second check.
      const out = [];
      for (const subscription of subs) {
        const rows = await listDeliveries(pool, subscription.id, { state: null, before: null, limit: page.recent + 1 });
        out.push({ subscription, recent: rows.slice(0, page.recent), more: rows.length > page.recent });
      }
      return out;
    },
    async deliveries(caller, id, page) {
      const subscription = await visible(caller, id);
      return { subscription, deliveries: await listDeliveries(pool, id, page) };
    },
    async redeliver(caller, id, delivery) {
      const sub = await visible(caller, id);
      if (!sub.enabled) {
        throw new HttpError(400, `subscription ${id} is disabled (${sub.disabled_reason ?? 'by request'}); PATCH {"enabled": true} first`);
      }
      if (!(await requestRedelivery(pool, id, delivery, opts.maxAgeSeconds))) throw new HttpError(404, `delivery ${delivery} of subscription ${id} not found`);
    },
    async setEnabled(caller, id, enabled) {
      await visible(caller, id);
      const updated = await updateSubscription(pool, id, { enabled });
      if (!updated) throw new HttpError(404, `subscription ${id} not found`);
      // other instances' ingest notices within a second; this one at once
      if (updated.enabled) outboxSink(pool).subscriptionEnabled();
      return updated;
    },
    async remove(caller, id) {
      await visible(caller, id);
      if (!(await deleteSubscription(pool, id))) throw new HttpError(404, `subscription ${id} not found`);
    },
  };
}
