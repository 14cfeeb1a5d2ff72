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
import type { KubeConfig } from '@kubernetes/client-node';
import type { Authorizer } from './query/access.js';
import { allAccessEntry, loadTokenFile, TokenTableAuthorizer } from './query/staticAuth.js';
import { KubeAuthorizer } from './query/kubeAuth.js';
import { ingestTokens } from './ingest/token.js';
import { listParents } from '../shared/store/listParents.js';
import { loadKubeConfig } from '../shared/kubeConfig.js';
import { logger } from '../shared/log.js';
import { PageTokens } from './query/pageToken.js';
import { createHealthHandler } from './health.js';
import { createCleanupHandler } from './cleanup/handler.js';
import { createTimelineHandler } from './timeline/handler.js';
import { createUiHandler } from './ui/handler.js';

export interface Functions {
  config: Config;
  pool: pg.Pool;
  ingest: Handler;
  query: Handler;
  health: Handler;
  cleanup: Handler;
  timeline: Handler;
  ui: Handler;
}

export function poolFor(config: Config): pg.Pool {
  return createPool(requireValue(config.DATABASE_URL, 'DATABASE_URL'), config.PG_POOL_MAX);
}

export function buildIngest(config: Config, pool: pg.Pool): Handler {
  return createIngestHandler({ pool, tokens: ingestTokens(config) });
}

/** QUERY_AUTH_MODE: `static` (QUERY_TOKEN and/or QUERY_TOKENS_FILE) or `kubernetes` (TokenReview + SubjectAccessReview). */
export async function buildAuthorizer(config: Config, pool: pg.Pool, kubeConfig?: KubeConfig): Promise<Authorizer> {
  if (config.QUERY_AUTH_MODE === 'kubernetes') {
    if (config.QUERY_TOKEN || config.QUERY_TOKENS_FILE) logger.warn('QUERY_AUTH_MODE=kubernetes: QUERY_TOKEN and QUERY_TOKENS_FILE are ignored');
    return new KubeAuthorizer({
      kubeConfig: kubeConfig ?? loadKubeConfig(),
      parents: () => listParents(pool),
      cacheSeconds: config.AUTH_CACHE_SECONDS,
      cacheMax: config.AUTH_CACHE_MAX,
    });
  }
  const entries = config.QUERY_TOKENS_FILE ? await loadTokenFile(config.QUERY_TOKENS_FILE) : [];
  if (config.QUERY_TOKEN) entries.push(allAccessEntry(config.QUERY_TOKEN));
  return new TokenTableAuthorizer(entries);
}

export async function buildQuery(config: Config, pool: pg.Pool): Promise<Handler> {
  const secret = config.PAGE_TOKEN_SECRET ?? (await pageTokenSecret(pool));
  return createQueryHandler({ pool, authorizer: await buildAuthorizer(config, pool), pageTokens: new PageTokens(secret) });
}

/** The run timeline (/v1/…/timeline): authorised as the query API is, by the same modes. */
export async function buildTimeline(config: Config, pool: pg.Pool, authorizer?: Authorizer): Promise<Handler> {
  return createTimelineHandler({ pool, authorizer: authorizer ?? (await buildAuthorizer(config, pool)) });
}

/** The retention cleanup (POST, CLEANUP_TOKEN); deployed, it connects as the admin role. */
export function buildCleanup(config: Config, pool: pg.Pool): Handler {
  return createCleanupHandler({
    pool,
    token: config.CLEANUP_TOKEN,
    retentionDays: config.RETENTION_DAYS,
    batchSize: config.CLEANUP_BATCH_SIZE,
    timeBudgetMs: config.CLEANUP_TIME_BUDGET_SECONDS * 1000,
  });
}

/** The pages for people (`/ui`): the same authorisation as the query API. */
export async function buildUi(config: Config, pool: pg.Pool): Promise<Handler> {
  return createUiHandler({ pool, authorizer: await buildAuthorizer(config, pool) });
}

export async function buildFunctions(config: Config = loadConfig(), pool: pg.Pool = poolFor(config)): Promise<Functions> {
  return {
    config,
    pool,
    ingest: buildIngest(config, pool),
    query: await buildQuery(config, pool),
    health: createHealthHandler(pool),
    cleanup: buildCleanup(config, pool),
    timeline: await buildTimeline(config, pool),
    ui: await buildUi(config, pool),
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
