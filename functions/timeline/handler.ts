/**
 * The timeline function: one run, its TaskRuns, step terminations and Events in time order,
 * with the diagnosis (shared/store/runTimeline.ts). Authorised as the query API authorises a
 * record read (`get` on `records` in the run's namespace), never cached by the browser or a
 * proxy (`Cache-Control: no-store`: it holds what a token may read, and a running run changes).
 */
import type pg from 'pg';
import { json, withProblems, type Handler } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';
import { callerOf } from '../../shared/http/caller.js';
import { unavailableOr } from '../../shared/http/unavailable.js';
import { readTimeline } from '../../shared/store/runTimeline.js';
import type { Authorizer } from '../query/access.js';
import { matchTimeline } from './routes.js';

export interface TimelineDeps {
  pool: pg.Pool;
  authorizer: Authorizer;
}

const NO_STORE = { 'cache-control': 'no-store' };

export function createTimelineHandler(deps: TimelineDeps): Handler {
  const inner = withProblems(async (req) => {
    const route = matchTimeline(req.method, req.path, req.query);
    if (!route) throw new HttpError(404, `no such timeline path: ${req.path}`);
    await deps.authorizer.authorize(callerOf(req), route.query.namespace, 'get', 'records');
    let timeline;
    try {
      timeline = await readTimeline(deps.pool, route.query, { maxEvents: route.maxEvents });
    } catch (err) {
      throw unavailableOr(err, 'retry later', 2);
    }
    if (!timeline) throw new HttpError(404, `no ${route.describe} is stored (runs are kept from their first Event until the retention period ends)`);
    return json(200, timeline);
  });
  return async (req) => {
    const res = await inner(req);
    return { ...res, headers: { ...res.headers, ...NO_STORE } };
  };
}
