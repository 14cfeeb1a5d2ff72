/** Builds the dispatch function (and the Dispatcher `npm start` runs continuously) from configuration. */
import type pg from 'pg';
import type { Config } from '../../shared/config.js';
import type { Handler } from '../../shared/http/core.js';
import { Dispatcher } from './dispatcher.js';
import { createDispatchHandler } from './handler.js';

export function buildDispatch(config: Config, pool: pg.Pool, dispatcher = new Dispatcher(pool, config)): { handler: Handler; dispatcher: Dispatcher } {
  return {
    dispatcher,
    handler: createDispatchHandler({ dispatcher, token: config.DISPATCH_TOKEN, timeBudgetMs: config.DISPATCH_TIME_BUDGET_SECONDS * 1000 }),
  };
}
