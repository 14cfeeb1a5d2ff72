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
import { gateFor } from './gate.js';
import type { Gate } from '../shared/http/node.js';
import { outboxSink } from '../shared/webhooks/outboxSink.js';
import { buildSubscriptionsWith, subscriptionDeps } from './subscriptions/build.js';
import { buildDispatch } from './dispatch/build.js';
import type { Dispatcher } from './dispatch/dispatcher.js';

export interface Functions {
  config: Config;
  /** The ingest pool (kept for callers that want "the" database). */
  pool: pg.Pool;
  pools: Pools;
  /** Checks a request before its body is read (see shared/http/node.ts). */
  gate: Gate;
  ingest: Handler;
  query: Handler;
  health: Handler;
  cleanup: Handler;
  timeline: Handler;
  subscriptions: Handler;
  dispatch: Handler;
  /** Runs deliveries continuously when started (`npm start`); `dispatch` drives it per request. */
  dispatcher: Dispatcher;
  ui: Handler;
}

/**
 * One pool per function role. Apart, a flood of slow queries cannot take the connections
 * ingest needs, and readiness has a connection of its own.
 */
export interface Pools {
  ingest: pg.Pool;
  query: pg.Pool;
  cleanup: pg.Pool;
  ready: pg.Pool;
  /** The webhook dispatcher: the admin role, as cleanup, but with connections of its own. */
  dispatch: pg.Pool;
}
export type PoolRole = keyof Pools;

/** Cleanup deletes in batches of up to CLEANUP_BATCH_SIZE results: give one batch longer. */
const CLEANUP_MIN_STATEMENT_MS = 60_000;

/** The pool of one role, with that role's bounds (see docs/security.md, "Limits"). */
export function poolFor(config: Config, role: PoolRole = 'ingest', url = requireValue(config.DATABASE_URL, 'DATABASE_URL')): pg.Pool {
  const statementTimeoutMs = {
    ingest: config.DB_TIMEOUT_MS,
    query: config.QUERY_TIMEOUT_MS,
    cleanup: Math.max(config.DB_TIMEOUT_MS, CLEANUP_MIN_STATEMENT_MS),
    ready: config.READY_TIMEOUT_MS,
    dispatch: config.DB_TIMEOUT_MS,
  }[role];
  return createPool(url, role === 'ready' ? 1 : role === 'cleanup' ? 2 : config.PG_POOL_MAX, {
    statementTimeoutMs,
    connectTimeoutMs: role === 'ready' ? config.READY_TIMEOUT_MS : config.DB_CONNECT_TIMEOUT_MS,
    applicationName: `tekton-events ${role}`,
  });
}

/** Every role's pool; `urls` lets each connect as its own Postgres role (npm start does). */
export function poolsFor(config: Config, urls: Partial<Record<PoolRole, string>> = {}): Pools {
  return {
    ingest: poolFor(config, 'ingest', urls.ingest),
    query: poolFor(config, 'query', urls.query),
    cleanup: poolFor(config, 'cleanup', urls.cleanup),
    ready: poolFor(config, 'ready', urls.ready ?? urls.query),
    dispatch: poolFor(config, 'dispatch', urls.dispatch ?? urls.cleanup),
  };
}

export async function endPools(pools: Pools): Promise<void> {
  await Promise.all([...new Set(Object.values(pools))].map((p) => p.end()));
}

export function buildIngest(config: Config, pool: pg.Pool): Handler {
  return createIngestHandler({ pool, tokens: ingestTokens(config), sink: outboxSink(pool) });
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
  return createQueryHandler({
    pool,
    authorizer: await buildAuthorizer(config, pool),
    pageTokens: new PageTokens(secret),
    limits: { queryTimeoutMs: config.QUERY_TIMEOUT_MS, maxPageBytes: config.MAX_PAGE_BYTES },
  });
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

/** Webhook subscriptions, under the query API's authorization. */
export async function buildSubscriptions(config: Config, pool: pg.Pool): Promise<Handler> {
  return buildSubscriptionsWith(config, pool, await buildAuthorizer(config, pool));
}

function dispatchParts(config: Config, pool: pg.Pool): { dispatch: Handler; dispatcher: Dispatcher } {
  const { handler, dispatcher } = buildDispatch(config, pool);
  return { dispatch: handler, dispatcher };
}

/** The pages for people (`/ui`): the same authorisation as the query API. */
export async function buildUi(config: Config, pool: pg.Pool): Promise<Handler> {
  const authorizer = await buildAuthorizer(config, pool);
  return createUiHandler({ pool, authorizer, subscriptions: await subscriptionDeps(config, pool, authorizer) });
}

/** `pools`: one pool for everything (tests), or one per role (the default). */
export async function buildFunctions(config: Config = loadConfig(), pools: Pools | pg.Pool = poolsFor(config)): Promise<Functions> {
  const p: Pools = 'ingest' in pools ? pools : { ingest: pools, query: pools, cleanup: pools, ready: pools, dispatch: pools };
  return {
    config,
    pool: p.ingest,
    pools: p,
    gate: gateFor(config),
    ingest: buildIngest(config, p.ingest),
    query: await buildQuery(config, p.query),
    health: createHealthHandler(p.ready, config.READY_TIMEOUT_MS),
    cleanup: buildCleanup(config, p.cleanup),
    timeline: await buildTimeline(config, p.query),
    subscriptions: await buildSubscriptions(config, p.query),
    // Deliveries fan out across subscriptions, changes and Results: the admin role's grants.
    ...dispatchParts(config, p.dispatch),
    ui: await buildUi(config, p.query),
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
