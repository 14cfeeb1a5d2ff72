/**
 * Functions-framework entry point: one `http` function per target, so each deploys to Cloud
 * Functions or Knative on its own (`--target=ingest|query|healthz|cleanup|timeline|ui`). The framework has already
 * read the body (as `rawBody`); our own parser reads the CloudEvents, including batches, which
 * the framework does not parse.
 */
import * as ff from '@google-cloud/functions-framework';
import { loadConfig } from '../shared/config.js';
import { nodeListener } from '../shared/http/node.js';
import type { Handler } from '../shared/http/core.js';
import { buildCleanup, buildIngest, buildQuery, buildTimeline, buildUi, lazy, poolFor } from './runtime.js';
import { createHealthHandler } from './health.js';

const config = loadConfig();
let pool: ReturnType<typeof poolFor> | undefined;
const sharedPool = () => (pool ??= poolFor(config));

const health = lazy(async () => createHealthHandler(sharedPool()));
/** Every target also answers `GET /healthz`: on Knative each function is its own service, probed on that path. */
const withHealthz =
  (handler: Handler): Handler =>
  async (req) =>
    req.path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD') ? health(req) : handler(req);

export const ingest = nodeListener(withHealthz(lazy(async () => buildIngest(config, sharedPool()))), config.MAX_BODY_BYTES);
export const query = nodeListener(withHealthz(lazy(async () => buildQuery(config, sharedPool()))), config.MAX_BODY_BYTES);
export const healthz = nodeListener(health, config.MAX_BODY_BYTES);
export const cleanup = nodeListener(withHealthz(lazy(async () => buildCleanup(config, sharedPool()))), config.MAX_BODY_BYTES);
export const timeline = nodeListener(withHealthz(lazy(async () => buildTimeline(config, sharedPool()))), config.MAX_BODY_BYTES);
export const ui = nodeListener(withHealthz(lazy(async () => buildUi(config, sharedPool()))), config.MAX_BODY_BYTES);

ff.http('ingest', ingest);
ff.http('query', query);
ff.http('healthz', healthz);
ff.http('cleanup', cleanup);
ff.http('timeline', timeline);
ff.http('ui', ui);
