/**
 * The subscriptions function: `/v1/subscriptions` (create, list, get, update, delete), a
 * subscription's deliveries and their redelivery.
 *
 * Authorization is the query API's (an Authorizer): a subscription may only cover namespaces
 * its caller may read (`list` on records there), and only a caller who may read every
 * namespace it covers sees or changes it; others get 404, as if it did not exist. A
 * subscription without namespaces covers every namespace, so only a caller who may read every
 * namespace makes one.
 *
 * A new target (create, or a PATCH of `url`) must pass the URL checks and the CloudEvents
 * webhook handshake. The secret is answered once, on creation; never again, never logged.
 */
import type pg from 'pg';
import { json, withProblems, type CoreRequest, type Handler } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';
import { callerOf, type Caller } from '../../shared/http/caller.js';
import { unavailableOr } from '../../shared/http/unavailable.js';
import type { Authorizer } from '../query/access.js';
import { deleteSubscription, getSubscription, insertSubscription, listSubscriptions, updateSubscription, type Subscription } from '../../shared/store/subscriptions.js';
import { listDeliveries, requestRedelivery, type DeliveryState } from '../../shared/store/deliveries.js';
import { generateSecret, type SecretBox } from '../../shared/webhooks/secret.js';
import { urlProblem } from '../../shared/webhooks/targets.js';
import { handshake } from '../../shared/webhooks/handshake.js';
import { compileChangeFilter } from '../../shared/webhooks/filter.js';
import type { TargetGuard } from '../../shared/webhooks/request.js';
import { outboxSink } from '../../shared/webhooks/outboxSink.js';
import { matchSubscriptionRoute, SUBSCRIPTIONS_PREFIX } from './routes.js';
import { CreateBody, readBody, UpdateBody } from './body.js';
import { renderDelivery, renderSubscription } from './render.js';
import { decodeCursor, encodeCursor, pageSize } from './paging.js';

export interface SubscriptionsDeps {
  pool: pg.Pool;
  authorizer: Authorizer;
  box: SecretBox;
  guard: TargetGuard;
  /** WebHook-Request-Origin of the handshake */
  origin: string;
  timeoutMs: number;
  maxAgeSeconds: number;
}

const STATES = new Set<DeliveryState>(['pending', 'delivered', 'failed', 'cancelled']);

export function createSubscriptionsHandler(deps: SubscriptionsDeps): Handler {
  const { pool, authorizer } = deps;

  /** Throws 403 unless `token` may read every namespace in `namespaces` (null: every namespace). */
  async function mayCover(token: Caller, namespaces: string[] | null): Promise<void> {
    if (namespaces === null) {
      const scope = await authorizer.authorize(token, '-', 'list', 'records');
      if (!scope.all) throw new HttpError(403, 'this token may not read every namespace: name the namespaces the subscription covers');
      return;
    }
    for (const ns of namespaces) await authorizer.authorize(token, ns, 'list', 'records');
  }

  /** The subscription, if the caller may see it; 404 otherwise (a 401 stays a 401). */
  async function visible(token: Caller, id: string): Promise<Subscription> {
    const sub = await getSubscription(pool, id);
    if (!sub) throw new HttpError(404, `subscription ${id} not found`);
    try {
      await mayCover(token, sub.namespaces);
    } catch (err) {
      if (err instanceof HttpError && err.status === 403) throw new HttpError(404, `subscription ${id} not found`);
      throw err;
    }
    return sub;
  }

  async function checkTarget(raw: string): Promise<string> {
    const checked = urlProblem(raw, deps.guard.allowPrivate);
    if ('problem' in checked) throw new HttpError(400, checked.problem);
    const shake = await handshake(checked.url, deps.origin, deps.guard, deps.timeoutMs);
    if (!shake.ok) throw new HttpError(400, `the target refused the CloudEvents webhook handshake: ${shake.reason}`);
    return checked.url.toString();
  }

  async function create(req: CoreRequest, token: Caller) {
    const body = readBody(req, CreateBody);
    await mayCover(token, body.namespaces);
    compileChangeFilter(body.filter);
    const url = await checkTarget(body.url);
    const secret = body.secret ?? generateSecret();
    const sub = await insertSubscription(pool, { url, filter: body.filter, namespaces: body.namespaces, kinds: body.kinds, secretCiphertext: deps.box.seal(secret) });
    outboxSink(pool).subscriptionEnabled();
    return json(201, { ...renderSubscription(sub), secret }, { location: `${SUBSCRIPTIONS_PREFIX}/${sub.id}`, 'cache-control': 'no-store' });
  }

  async function update(req: CoreRequest, token: Caller, id: string) {
    const body = readBody(req, UpdateBody);
    const sub = await visible(token, id);
    if (body.namespaces !== undefined) await mayCover(token, body.namespaces);
    if (body.filter !== undefined) compileChangeFilter(body.filter);
    const url = body.url !== undefined && body.url !== sub.url ? await checkTarget(body.url) : undefined;
    const updated = await updateSubscription(pool, id, {
      ...(url !== undefined ? { url } : {}),
      ...(body.filter !== undefined ? { filter: body.filter } : {}),
      ...(body.namespaces !== undefined ? { namespaces: body.namespaces } : {}),
      ...(body.kinds !== undefined ? { kinds: body.kinds } : {}),
      ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
      ...(body.secret !== undefined ? { secretCiphertext: deps.box.seal(body.secret) } : {}),
    });
    if (!updated) throw new HttpError(404, `subscription ${id} not found`);
    if (updated.enabled) outboxSink(pool).subscriptionEnabled();
    return json(200, renderSubscription(updated));
  }

  async function list(q: URLSearchParams, token: Caller) {
    const scope = await authorizer.authorize(token, '-', 'list', 'records');
    const limit = pageSize(q);
    const after = decodeCursor(q.get('page_token'), 1)?.[0] ?? null;
    const subs = await listSubscriptions(pool, { within: scope.all ? null : scope.namespaces, after, limit: limit + 1 });
    const page = subs.slice(0, limit);
    const body: Record<string, unknown> = { subscriptions: page.map(renderSubscription) };
    if (subs.length > limit) body['next_page_token'] = encodeCursor([page[page.length - 1]!.id]);
    return json(200, body);
  }

  async function deliveries(q: URLSearchParams, token: Caller, id: string) {
    await visible(token, id);
    const state = q.get('state');
    if (state !== null && !STATES.has(state as DeliveryState)) throw new HttpError(400, `state must be one of ${[...STATES].join(', ')}`);
    const limit = pageSize(q);
    const cursor = decodeCursor(q.get('page_token'), 2);
    const rows = await listDeliveries(pool, id, {
      state: (state as DeliveryState | null) ?? null,
      before: cursor ? { time: cursor[0]!, id: cursor[1]! } : null,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const body: Record<string, unknown> = { deliveries: page.map(renderDelivery) };
    const last = page[page.length - 1];
    if (rows.length > limit && last) body['next_page_token'] = encodeCursor([last.create_time.toISOString(), last.id]);
    return json(200, body);
  }

  async function redeliver(token: Caller, id: string, delivery: string) {
    const sub = await visible(token, id);
    if (!sub.enabled) {
      throw new HttpError(400, `subscription ${id} is disabled (${sub.disabled_reason ?? 'by request'}); PATCH {"enabled": true} first`);
    }
    if (!(await requestRedelivery(pool, id, delivery, deps.maxAgeSeconds))) throw new HttpError(404, `delivery ${delivery} of subscription ${id} not found`);
    return json(202, { id: delivery, state: 'pending' });
  }

  return withProblems(async (req) => {
    const route = matchSubscriptionRoute(req.method, req.path);
    if (!route) throw new HttpError(404, `no such path: ${req.path}`);
    const token = callerOf(req);
    try {
      switch (route.op) {
        case 'create':
          return await create(req, token);
        case 'list':
          return await list(req.query, token);
        case 'get':
          return json(200, renderSubscription(await visible(token, route.id)));
        case 'update':
          return await update(req, token, route.id);
        case 'delete':
          await visible(token, route.id);
          if (!(await deleteSubscription(pool, route.id))) throw new HttpError(404, `subscription ${route.id} not found`);
          return json(200, {});
        case 'deliveries':
          return await deliveries(req.query, token, route.id);
        case 'redeliver':
          return await redeliver(token, route.id, route.delivery);
      }
    } catch (err) {
      throw unavailableOr(err, 'retry later', 2);
    }
  });
}
