/**
 * The subscription pages' reads and form posts, through the subscriptions' own access rules
 * (functions/subscriptions/access.ts): the pages see and change exactly what the API would let
 * the same token see and change. Form posts (redeliver, delete) pass the same Origin check as
 * sign-in before anything else, and answer with a redirect (303) to a page saying what was done.
 * Every list is bounded: at most MAX_SUBSCRIPTIONS_PER_PAGE subscriptions with
 * RECENT_PER_SUBSCRIPTION deliveries each, at most MAX_DELIVERIES_PER_PAGE deliveries on one
 * subscription's page.
 */
import type { CoreRequest, CoreResponse } from '../../shared/http/core.js';
import { mediaType } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';
import type { Caller } from '../../shared/http/caller.js';
import { validUuid } from '../../shared/names.js';
import { deliveryState } from '../subscriptions/access.js';
import { checkBody, CreateBody } from '../subscriptions/body.js';
import { createSubscription, type CreateDeps } from '../subscriptions/create.js';
import { createdPage, EMPTY_FORM, formValues, subscriptionForm } from './subscriptionForm.js';
import { decodeCursor, encodeCursor } from '../subscriptions/paging.js';
import { page, seeOther } from './layout.js';
import { SUBSCRIPTIONS_PAGE, type UiRoute } from './routes.js';
import { subscriptionDetail, subscriptionList, subscriptionPath } from './subscriptionsPage.js';

export const DEFAULT_SUBSCRIPTIONS_PER_PAGE = 20;
export const MAX_SUBSCRIPTIONS_PER_PAGE = 50;
export const RECENT_PER_SUBSCRIPTION = 5;
export const DEFAULT_DELIVERIES_PER_PAGE = 50;
export const MAX_DELIVERIES_PER_PAGE = 200;

function size(q: URLSearchParams, fallback: number, max: number): number {
  const text = q.get('page_size');
  if (!text) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new HttpError(400, `page_size must be 1 to ${max}`);
  return n;
}

function uuidParam(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name) || undefined;
  if (v !== undefined && !validUuid(v)) throw new HttpError(400, `${name} is not an id this site gave out`);
  return v?.toLowerCase();
}

function form(req: CoreRequest): URLSearchParams {
  if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, 'post the form as application/x-www-form-urlencoded');
  }
  return new URLSearchParams(req.body.toString('utf8'));
}

type Route<V extends UiRoute['view']> = UiRoute & { view: V };

export function subscriptionViews(deps: CreateDeps) {
  const { access } = deps;
  return {
    newForm(signedIn: boolean): CoreResponse {
      return page(200, { title: 'New subscription', signedIn }, subscriptionForm(EMPTY_FORM));
    },

    /** Made through the same checks as the API; a refusal (400, 403) comes back as the form, filled in, saying why. */
    async create(req: CoreRequest, caller: Caller, signedIn: boolean): Promise<CoreResponse> {
      const { values, body } = formValues(form(req));
      try {
        const { subscription, secret } = await createSubscription(deps, caller, checkBody(body, CreateBody));
        // 201 and no-store (every page is): the secret is in this answer only.
        return page(201, { title: 'Subscription created', signedIn }, createdPage(subscription, secret));
      } catch (err) {
        if (err instanceof HttpError && (err.status === 400 || err.status === 403)) {
          return page(err.status, { title: 'New subscription', signedIn }, subscriptionForm(values, err.message.replace(/^body\./, '')));
        }
        throw err;
      }
    },

    async list(route: Route<'subscriptions'>, caller: Caller, signedIn: boolean): Promise<CoreResponse> {
      const limit = size(route.query, DEFAULT_SUBSCRIPTIONS_PER_PAGE, MAX_SUBSCRIPTIONS_PER_PAGE);
      const after = uuidParam(route.query, 'after') ?? null;
      const redelivered = uuidParam(route.query, 'redelivered');
      const deleted = uuidParam(route.query, 'deleted');
      const items = await access.listWithRecent(caller, { after, limit: limit + 1, recent: RECENT_PER_SUBSCRIPTION });
      const shown = items.slice(0, limit);
      const notice = deleted ? `Subscription ${deleted} was deleted.` : redelivered ? `Delivery ${redelivered} is queued again.` : undefined;
      const content = subscriptionList(shown, { nextAfter: items.length > limit ? shown[shown.length - 1]!.subscription.id : undefined, paged: after !== null, notice });
      return page(200, { title: 'Webhook subscriptions', signedIn }, content);
    },

    async detail(route: Route<'subscription'>, caller: Caller, signedIn: boolean): Promise<CoreResponse> {
      const state = deliveryState(route.query.get('state'));
      const limit = size(route.query, DEFAULT_DELIVERIES_PER_PAGE, MAX_DELIVERIES_PER_PAGE);
      const cursor = decodeCursor(route.query.get('before'), 2);
      const redelivered = uuidParam(route.query, 'redelivered');
      const changed = route.query.get('changed');
      const { subscription, deliveries } = await access.deliveries(caller, route.id, {
        state,
        before: cursor ? { time: cursor[0]!, id: cursor[1]! } : null,
        limit: limit + 1,
      });
      const shown = deliveries.slice(0, limit);
      const last = shown[shown.length - 1];
      const content = subscriptionDetail(subscription, shown, {
        state,
        nextCursor: deliveries.length > limit && last ? encodeCursor([last.create_time.toISOString(), last.id]) : undefined,
        paged: cursor !== undefined,
        notice: redelivered
          ? `Delivery ${redelivered} is queued again; it shows as pending until its attempt.`
          : changed === 'enabled'
            ? 'The subscription is on again: changes stored from now on are delivered.'
            : changed === 'disabled'
              ? 'The subscription is off: nothing more is delivered until it is turned on.'
              : undefined,
      });
      return page(200, { title: subscription.url, signedIn }, content);
    },

    async redeliver(req: CoreRequest, route: Route<'redeliver'>, caller: Caller): Promise<CoreResponse> {
      const back = form(req).get('back');
      await access.redeliver(caller, route.id, route.delivery);
      return seeOther(
        back === 'list' ? `${SUBSCRIPTIONS_PAGE}?redelivered=${route.delivery}#sub-${route.id}` : `${subscriptionPath(route.id, { redelivered: route.delivery })}#d-${route.delivery}`,
      );
    },

    async setEnabled(req: CoreRequest, route: Route<'enableSubscription'>, caller: Caller): Promise<CoreResponse> {
      const value = form(req).get('enabled');
      if (value !== 'true' && value !== 'false') throw new HttpError(400, 'enabled must be true or false');
      const s = await access.setEnabled(caller, route.id, value === 'true');
      return seeOther(subscriptionPath(route.id, { changed: s.enabled ? 'enabled' : 'disabled' }));
    },

    async remove(req: CoreRequest, route: Route<'deleteSubscription'>, caller: Caller): Promise<CoreResponse> {
      if (form(req).get('confirm') !== 'yes') throw new HttpError(400, 'tick the box to confirm the deletion; nothing was deleted');
      await access.remove(caller, route.id);
      return seeOther(`${SUBSCRIPTIONS_PAGE}?deleted=${route.id}`);
    },
  };
}
