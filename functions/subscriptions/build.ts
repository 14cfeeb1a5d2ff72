/** Builds the subscriptions function from configuration (every deployment shape goes through here), and what the pages need to act on subscriptions. */
import type pg from 'pg';
import type { Config } from '../../shared/config.js';
import type { Handler } from '../../shared/http/core.js';
import { secretBox } from '../../shared/webhooks/secret.js';
import type { Authorizer } from '../query/access.js';
import { createSubscriptionsHandler } from './handler.js';
import { subscriptionAccess } from './access.js';
import type { CreateDeps } from './create.js';

/** The access rule and the means to create subscriptions, configured: for the API and for the pages. */
export async function subscriptionDeps(config: Config, pool: pg.Pool, authorizer: Authorizer): Promise<CreateDeps> {
  return {
    pool,
    access: subscriptionAccess(pool, authorizer, { maxAgeSeconds: config.WEBHOOK_MAX_AGE_SECONDS }),
    box: await secretBox(pool, config.WEBHOOK_SECRET_KEY),
    guard: { allowPrivate: config.SUBSCRIPTION_ALLOW_PRIVATE_TARGETS },
    origin: config.WEBHOOK_ORIGIN,
    timeoutMs: config.WEBHOOK_TIMEOUT_SECONDS * 1000,
  };
}

export async function buildSubscriptionsWith(config: Config, pool: pg.Pool, authorizer: Authorizer): Promise<Handler> {
  return createSubscriptionsHandler(await subscriptionDeps(config, pool, authorizer));
}
