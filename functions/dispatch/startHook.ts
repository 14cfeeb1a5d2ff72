/**
 * `npm start`'s webhook step: the dispatcher runs continuously beside the functions (unless
 * DISPATCH_CONTINUOUS=false), and is stopped with them. Returns the stop function.
 */
import type { Config } from '../../shared/config.js';
import { logger } from '../../shared/log.js';
import type { Dispatcher } from './dispatcher.js';

export async function startDispatchHook(dispatcher: Dispatcher, config: Pick<Config, 'DISPATCH_CONTINUOUS'>): Promise<() => Promise<void>> {
  if (!config.DISPATCH_CONTINUOUS) return async () => undefined;
  await dispatcher.start();
  logger.info('webhook dispatcher running');
  return () => dispatcher.stop();
}
