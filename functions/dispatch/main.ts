/**
 * The dispatcher as a long-running process (the Deployment in deploy/dispatcher, or
 * `npm run dispatch`): delivers continuously and serves /healthz, /readyz and /metrics on
 * DISPATCH_PORT. On SIGTERM/SIGINT it stops fetching, lets the attempts in flight finish and
 * record their outcome (each is bounded by WEBHOOK_TIMEOUT_SECONDS), and exits 0; a second
 * signal, or DISPATCH_SHUTDOWN_SECONDS passing, exits at once: what was in flight is then
 * delivered again by another dispatcher (same webhook-id), never lost. The database must
 * already be migrated (as for every function).
 *
 * Any number of replicas may run: fan-out claims outbox rows with `for update skip locked`,
 * pg-boss hands each job to one fetcher (`skip locked`) and runs its maintenance in one of them
 * at a time, and an attempt leases its delivery first (docs/webhooks.md).
 */
import { loadConfig, requireValue, type Config } from '../../shared/config.js';
import { createPool } from '../../shared/db/pool.js';
import { exitFatal, logger } from '../../shared/log.js';
import { listen } from '../server.js';
import { Dispatcher } from './dispatcher.js';
import { createDispatchOpsHandler } from './opsHandler.js';

let config: Config;
let url: string;
try {
  config = loadConfig();
  url = requireValue(config.DATABASE_URL, 'DATABASE_URL');
} catch (err) {
  exitFatal('invalid configuration', err);
}
const bounds = { statementTimeoutMs: config.DB_TIMEOUT_MS, connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS, applicationName: 'tekton-events dispatcher' };
const pool = createPool(url, config.PG_POOL_MAX, bounds);
// Readiness on a connection of its own: a pool busy with deliveries does not look unready.
const readyPool = createPool(url, 1, { ...bounds, statementTimeoutMs: config.READY_TIMEOUT_MS, connectTimeoutMs: config.READY_TIMEOUT_MS });
const dispatcher = new Dispatcher(pool, config);

const ops = await listen(
  createDispatchOpsHandler({ metrics: dispatcher.metrics, readyPool, readyTimeoutMs: config.READY_TIMEOUT_MS }),
  4096,
  config.DISPATCH_PORT,
  '0.0.0.0',
  { maxConnections: 100 },
).catch((err: unknown) => exitFatal(`cannot serve /healthz and /metrics on port ${config.DISPATCH_PORT} (DISPATCH_PORT)`, err));

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) {
    logger.warn({ signal }, 'dispatcher stopping at once: attempts in flight are made again by another dispatcher');
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, 'dispatcher stopping: finishing the attempts in flight');
  const deadline = setTimeout(() => {
    logger.warn({ seconds: config.DISPATCH_SHUTDOWN_SECONDS }, 'dispatcher did not stop within DISPATCH_SHUTDOWN_SECONDS; exiting: attempts in flight are made again by another dispatcher');
    process.exit(1);
  }, config.DISPATCH_SHUTDOWN_SECONDS * 1000);
  deadline.unref();
  try {
    await dispatcher.stop();
    await ops.close(1_000);
    await Promise.all([pool.end(), readyPool.end()]);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    logger.warn({ code: e.code, message: e.message }, 'dispatcher stopped with an error');
  }
  logger.info('dispatcher stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));

try {
  await dispatcher.start();
  logger.info({ port: Number(new URL(ops.url).port) }, 'dispatcher running');
} catch (err) {
  const e = err as { code?: string; message?: string };
  logger.fatal({ code: e.code, message: e.message }, 'dispatcher failed to start');
  process.exit(1);
}
