/**
 * Builds each function's handler from configuration. Every deployment shape (local server,
 * functions-framework, Vercel) goes through here, so they behave the same.
 */
import type pg from 'pg';
import { loadConfig, requireValue, type Config } from '../shared/config.js';
import { createPool } from '../shared/db/pool.js';
import { pageTokenSecret } from '../shared/store/settings.js';
import type { Handler } from '../shared/http/core.js';
import { createIngestHandler } from './ingest/handler.js';
import { createQueryHandler } from './query/handler.js';
import { StaticAuthorizer, type Authorizer } from './query/access.js';
import { PageTokens } from './query/pageToken.js';
import { createHealthHandler } from './health.js';

export interface Functions {
  config: Config;
  pool: pg.Pool;
  ingest: Handler;
  query: Handler;
  health: Handler;
}

export function poolFor(config: Config): pg.Pool {
  return createPool(requireValue(config.DATABASE_URL, 'DATABASE_URL'), config.PG_POOL_MAX);
}

export function buildIngest(config: Config, pool: pg.Pool): Handler {
  return createIngestHandler({ pool, token: requireValue(config.INGEST_TOKEN, 'INGEST_TOKEN') });
}

export function buildAuthorizer(config: Config): Authorizer {
  return new StaticAuthorizer([{ token: requireValue(config.QUERY_TOKEN, 'QUERY_TOKEN'), namespaces: ['*'] }]);
}

export async function buildQuery(config: Config, pool: pg.Pool): Promise<Handler> {
  const secret = config.PAGE_TOKEN_SECRET ?? (await pageTokenSecret(pool));
  return createQueryHandler({ pool, authorizer: buildAuthorizer(config), pageTokens: new PageTokens(secret) });
}

export async function buildFunctions(config: Config = loadConfig(), pool: pg.Pool = poolFor(config)): Promise<Functions> {
  return {
    config,
    pool,
    ingest: buildIngest(config, pool),
    query: await buildQuery(config, pool),
    health: createHealthHandler(pool),
  };
}

/** A handler built on first use: serverless platforms load the module before env is final. */
export function lazy(build: () => Promise<Handler>): Handler {
  let ready: Promise<Handler> | undefined;
  return async (req) => {
    ready ??= build().catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    return (await ready)(req);
  };
}
