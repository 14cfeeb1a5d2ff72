/**
 * The dispatch function over HTTP, for platforms that run functions only when called:
 * - `POST /dispatch` with `Authorization: Bearer <DISPATCH_TOKEN>` (a scheduler, every minute):
 *   fans out and delivers until idle or DISPATCH_TIME_BUDGET_SECONDS, then answers what it did;
 * - `GET /dispatch/metrics`: the Prometheus metrics of this dispatcher.
 * `npm start` (and a long-running deployment) runs the same Dispatcher continuously instead.
 */
import { bearerToken, json, withProblems, type Handler } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';
import { tokenChecker, unauthorized } from '../../shared/http/auth.js';
import { unavailableOr } from '../../shared/http/unavailable.js';
import type { Dispatcher } from './dispatcher.js';

export const DISPATCH_PATH = '/dispatch';

export function createDispatchHandler(deps: { dispatcher: Dispatcher; token: string | undefined; timeBudgetMs: number }): Handler {
  const accepts = deps.token ? tokenChecker([deps.token]) : undefined;
  return withProblems(async (req) => {
    const sub = req.path.slice(DISPATCH_PATH.length).replace(/\/$/, '');
    if (sub === '/metrics') {
      if (req.method !== 'GET') throw new HttpError(405, 'GET the metrics', { headers: { allow: 'GET' } });
      const registry = deps.dispatcher.metrics.registry;
      return { status: 200, headers: { 'content-type': registry.contentType }, body: await registry.metrics() };
    }
    if (sub !== '') throw new HttpError(404, `no such path: ${req.path}`);
    if (req.method !== 'POST') throw new HttpError(405, `method ${req.method} is not allowed: POST to run the dispatcher`, { headers: { allow: 'POST' } });
    if (!deps.token) throw new HttpError(403, 'the dispatch trigger is switched off: DISPATCH_TOKEN is not set');
    const token = bearerToken(req);
    if (!token) throw unauthorized('missing token: send Authorization: Bearer <token>');
    if (!accepts?.(token)) throw unauthorized('invalid token');
    try {
      return json(200, await deps.dispatcher.runFor(deps.timeBudgetMs));
    } catch (err) {
      throw unavailableOr(err, 'retry later (deliveries already made stay made)', 10);
    }
  });
}
