/**
 * Functions-framework entry point: one `http` function per target, so each deploys to Cloud
 * Functions or Knative on its own (`--target=ingest|query|healthz|cleanup|timeline|ui|subscriptions|dispatch`). The framework has already
 * read the body (as `rawBody`); our own parser reads the CloudEvents, including batches, which
 * the framework does not parse.
 */
import * as ff from '@google-cloud/functions-framework';
import { loadConfig, type Config } from '../shared/config.js';
import { exitFatal } from '../shared/log.js';
import { nodeListener } from '../shared/http/node.js';
import type { Handler } from '../shared/http/core.js';
import { buildCleanup, buildIngest, buildQuery, buildSubscriptions, buildTimeline, buildUi, lazy, poolFor, type PoolRole } from './runtime.js';
import { buildDispatch } from './dispatch/build.js';
import { createHealthHandler } from './health.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  // One line per bad setting, rather than the framework's stack of a failed import.
  exitFatal('invalid configuration', err);
}
/** Pools are made on first use: a process serves one target and needs only that role's. */
const pools = new Map<PoolRole, ReturnType<typeof poolFor>>();
const poolOf = (role: PoolRole) => pools.get(role) ?? pools.set(role, poolFor(config, role)).get(role)!;

const health = lazy(async () => createHealthHandler(poolOf('ready'), config.READY_TIMEOUT_MS));
/** Every target also answers `GET /healthz` (alive) and `GET /readyz` (the database answers): on Knative each function is its own service, probed there. */
const withHealthz =
  (handler: Handler): Handler =>
  async (req) =>
    (req.path === '/healthz' || req.path === '/readyz') && (req.method === 'GET' || req.method === 'HEAD') ? health(req) : handler(req);

export const ingest = nodeListener(withHealthz(lazy(async () => buildIngest(config, poolOf('ingest')))), config.MAX_BODY_BYTES);
export const query = nodeListener(withHealthz(lazy(async () => buildQuery(config, poolOf('query')))), config.MAX_BODY_BYTES);
export const healthz = nodeListener(health, config.MAX_BODY_BYTES);
export const cleanup = nodeListener(withHealthz(lazy(async () => buildCleanup(config, poolOf('cleanup')))), config.MAX_BODY_BYTES);
export const timeline = nodeListener(withHealthz(lazy(async () => buildTimeline(config, poolOf('query')))), config.MAX_BODY_BYTES);
export const ui = nodeListener(withHealthz(lazy(async () => buildUi(config, poolOf('query')))), config.MAX_BODY_BYTES);
export const subscriptions = nodeListener(withHealthz(lazy(async () => buildSubscriptions(config, poolOf('query')))), config.MAX_BODY_BYTES);
/** Driven by a scheduler: POST /dispatch runs one bounded round (a long-running host runs functions/dispatch/main.ts instead). */
export const dispatch = nodeListener(withHealthz(lazy(async () => buildDispatch(config, poolOf('dispatch')).handler)), config.MAX_BODY_BYTES);

ff.http('ingest', ingest);
ff.http('query', query);
ff.http('healthz', healthz);
ff.http('cleanup', cleanup);
ff.http('timeline', timeline);
ff.http('subscriptions', subscriptions);
ff.http('dispatch', dispatch);
ff.http('ui', ui);
