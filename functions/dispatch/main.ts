/**
 * The dispatcher as a long-running process (a Deployment, or `npm run dispatch`): delivers
 * continuously until SIGTERM/SIGINT, then finishes the attempts in flight and stops. The
 * database must already be migrated (as for every function).
 */
import { loadConfig, requireValue } from '../../shared/config.js';
import { createPool } from '../../shared/db/pool.js';
import { logger } from '../../shared/log.js';
import { Dispatcher } from './dispatcher.js';

const config = loadConfig();
const pool = createPool(requireValue(config.DATABASE_URL, 'DATABASE_URL'), config.PG_POOL_MAX);
const dispatcher = new Dispatcher(pool, config);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'dispatcher stopping');
  await dispatcher.stop();
  await pool.end();
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));

try {
  await dispatcher.start();
  logger.info('dispatcher running');
} catch (err) {
  const e = err as { code?: string; message?: string };
  logger.fatal({ code: e.code, message: e.message }, 'dispatcher failed to start');
  process.exit(1);
}
