/**
 * Functions-framework entry point (Cloud Functions): one `http` function per target, so each
 * deploys on its own (`--target=ingest|query|healthz|cleanup|timeline|ui|subscriptions|dispatch`,
 * functions/targets.ts). The framework has already read the body (as `rawBody`); our own parser
 * reads the CloudEvents, including batches, which the framework does not parse. The functions
 * image serves the same targets without the framework (functions/serve.ts).
 */
import * as ff from '@google-cloud/functions-framework';
import { loadConfig, type Config } from '../shared/config.js';
import { exitFatal } from '../shared/log.js';
import { nodeListener } from '../shared/http/node.js';
import { TargetPools, targetHandlers } from './targets.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  // One line per bad setting, rather than the framework's stack of a failed import.
  exitFatal('invalid configuration', err);
}
const handlers = targetHandlers(config, new TargetPools(config));

export const ingest = nodeListener(handlers.ingest, config.MAX_BODY_BYTES);
export const query = nodeListener(handlers.query, config.MAX_BODY_BYTES);
export const healthz = nodeListener(handlers.healthz, config.MAX_BODY_BYTES);
export const cleanup = nodeListener(handlers.cleanup, config.MAX_BODY_BYTES);
export const timeline = nodeListener(handlers.timeline, config.MAX_BODY_BYTES);
export const ui = nodeListener(handlers.ui, config.MAX_BODY_BYTES);
export const subscriptions = nodeListener(handlers.subscriptions, config.MAX_BODY_BYTES);
export const dispatch = nodeListener(handlers.dispatch, config.MAX_BODY_BYTES);

ff.http('ingest', ingest);
ff.http('query', query);
ff.http('healthz', healthz);
ff.http('cleanup', cleanup);
ff.http('timeline', timeline);
ff.http('subscriptions', subscriptions);
ff.http('dispatch', dispatch);
ff.http('ui', ui);
