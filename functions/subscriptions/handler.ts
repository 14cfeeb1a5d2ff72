/**
 * The subscriptions function: `/v1/subscriptions` (create, list, get, update, delete), a
 * subscription's deliveries and their redelivery.
 *
 * Who may see and change which subscription is decided in access.ts (shared with the pages).
 *
 * A new target (create, or a PATCH of `url`) must pass the URL checks and the CloudEvents
 * webhook handshake. The secret is answered once, on creation; never again, never logged.
 */
import { json, withProblems, type CoreRequest, type Handler } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';
import { callerOf, type Caller } from '../../shared/http/caller.js';
import { unavailableOr } from '../../shared/http/unavailable.js';
import { updateSubscription } from '../../shared/store/subscriptions.js';
import { deliveryState } from './access.js';
import { checkTarget, createSubscription, type CreateDeps } from './create.js';
import { compileChangeFilter } from '../../shared/webhooks/filter.js';
import { outboxSink } from '../../shared/webhooks/outboxSink.js';
import { matchSubscriptionRoute, SUBSCRIPTIONS_PREFIX } from './routes.js';
import { CreateBody, readBody, UpdateBody } from './body.js';
import { renderDelivery, renderSubscription } from './render.js';
import { decodeCursor, encodeCursor, pageSize } from './paging.js';

/** The access rule (access.ts) and what creating needs (create.ts), built in build.ts. */
export type SubscriptionsDeps = CreateDeps;

export function createSubscriptionsHandler(deps: SubscriptionsDeps): Handler {
  const { pool, access } = deps;
  const { mayCover, visible } = access;

  async function create(req: CoreRequest, token: Caller) {
    const { subscription: sub, secret } = await createSubscription(deps, token, readBody(req, CreateBody));
    return json(201, { ...renderSubscription(sub), secret }, { location: `${SUBSCRIPTIONS_PREFIX}/${sub.id}`, 'cache-control': 'no-store' });
  }

  async function update(req: CoreRequest, token: Caller, id: string) {
    const body = readBody(req, UpdateBody);
    const sub = await visible(token, id);
    if (body.namespaces !== undefined) await mayCover(token, body.namespaces);
    if (body.filter !== undefined) compileChangeFilter(body.filter);
    const url = body.url !== undefined && body.url !== sub.url ? await checkTarget(deps, body.url) : undefined;
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
    const limit = pageSize(q);
    const after = decodeCursor(q.get('page_token'), 1)?.[0] ?? null;
    const subs = await access.list(token, { after, limit: limit + 1 });
    const page = subs.slice(0, limit);
    const body: Record<string, unknown> = { subscriptions: page.map(renderSubscription) };
    if (subs.length > limit) body['next_page_token'] = encodeCursor([page[page.length - 1]!.id]);
    return json(200, body);
  }

  async function deliveries(q: URLSearchParams, token: Caller, id: string) {
    const state = deliveryState(q.get('state'));
    const limit = pageSize(q);
    const cursor = decodeCursor(q.get('page_token'), 2);
    const { deliveries: rows } = await access.deliveries(token, id, { state, before: cursor ? { time: cursor[0]!, id: cursor[1]! } : null, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const body: Record<string, unknown> = { deliveries: page.map(renderDelivery) };
    const last = page[page.length - 1];
    if (rows.length > limit && last) body['next_page_token'] = encodeCursor([last.create_time.toISOString(), last.id]);
    return json(200, body);
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
          await access.remove(token, route.id);
          return json(200, {});
        case 'deliveries':
          return await deliveries(req.query, token, route.id);
        case 'redeliver':
          await access.redeliver(token, route.id, route.delivery);
          return json(202, { id: route.delivery, state: 'pending' });
      }
    } catch (err) {
      throw unavailableOr(err, 'retry later', 2);
    }
  });
}
