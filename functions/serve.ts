/**
 * The functions image's entry point (Knative, Kubernetes): serves one function target
 * (functions/targets.ts) on PORT with the local server (functions/server.ts), not through
 * functions-framework, which Cloud Functions needs but a container does not:
 *  - the framework's Express stack, its four body parsers and its per-request async context
 *    cost ingest 2–2.5× the CPU per single-Event request (docs/benchmarks.md);
 *  - the framework reads the whole body before our code runs, while this server checks the
 *    token and the body limits from the headers first, with the timeouts and connection bound of
 *    docs/security.md;
 *  - on SIGTERM it stops taking connections, answers what is in flight (ingest only after its
 *    commit) for as long as the target's requests may run (shutdownGraceMs), and only then
 *    closes its database pools; a second signal exits at once.
 *
 *   node dist/functions/serve.js --target=ingest     (or FUNCTION_TARGET=ingest, as functions-framework reads it)
 */
import { loadConfig, type Config } from '../shared/config.js';
import { exitFatal, logger } from '../shared/log.js';
import { gateFor } from './gate.js';
import { listen, serverLimits } from './server.js';
import { shutdownGraceMs, targetFromArgs, TargetPools, targetHandlers, TargetUsageError, type Target } from './targets.js';

async function main(): Promise<void> {
  let target: Target;
  let config: Config;
  try {
    target = targetFromArgs(process.argv.slice(2), process.env);
    config = loadConfig();
  } catch (err) {
    if (err instanceof TargetUsageError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    exitFatal('invalid configuration', err);
  }
  const pools = new TargetPools(config);
  const handler = targetHandlers(config, pools)[target];
  const gate = gateFor(config, target === 'ingest' || target === 'cleanup' ? target : 'other');
  const listening = await listen(handler, config.MAX_BODY_BYTES, config.PORT, null, serverLimits(config, gate)).catch((err: unknown) =>
    exitFatal(`cannot listen on port ${config.PORT}`, err),
  );
  logger.info({ target, port: Number(new URL(listening.url).port) }, 'serving');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      logger.warn({ signal }, 'stopping now: a second signal cuts off the requests in flight');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, graceMs: shutdownGraceMs(target, config) }, 'stopping: answering the requests in flight');
    try {
      await listening.close(shutdownGraceMs(target, config));
      await pools.end();
    } catch (err) {
      exitFatal('stopping failed', err);
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

await main();
