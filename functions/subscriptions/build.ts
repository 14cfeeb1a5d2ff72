/** Builds the subscriptions function from configuration (every deployment shape goes through here). */
import type pg from 'pg';
import type { Config } from '../../shared/config.js';
import type { Handler } from '../../shared/http/core.js';
import { secretBox } from '../../shared/webhooks/secret.js';
import type { Authorizer } from '../query/access.js';
import { createSubscriptionsHandler } from './handler.js';

export async function buildSubscriptionsWith(config: Config, pool: pg.Pool, authorizer: Authorizer): Promise<Handler> {
  return createSubscriptionsHandler({
    pool,
    authorizer,
    box: await secretBox(pool, config.WEBHOOK_SECRET_KEY),
    guard: { allowPrivate: config.SUBSCRIPTION_ALLOW_PRIVATE_TARGETS },
    origin: config.WEBHOOK_ORIGIN,
    timeoutMs: config.WEBHOOK_TIMEOUT_SECONDS * 1000,
    maxAgeSeconds: config.WEBHOOK_MAX_AGE_SECONDS,
  });
}
