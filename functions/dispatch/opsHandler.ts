/**
 * The long-running dispatcher's own small HTTP face (main.ts serves it on DISPATCH_PORT):
 * `/healthz` (the process serves HTTP), `/readyz` (the database answers, on a connection of its
 * own), `/metrics` (this dispatcher's Prometheus metrics, the same as `GET /dispatch/metrics`).
 * Nothing here changes state, so it needs no token; it carries no secret either.
 */
import type pg from 'pg';
import { withProblems, type Handler } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';
import { createHealthHandler } from '../health.js';
import type { DispatchMetrics } from './metrics.js';

export const OPS_PATHS = ['/healthz', '/readyz', '/metrics'] as const;

export function createDispatchOpsHandler(deps: { metrics: DispatchMetrics; readyPool: pg.Pool; readyTimeoutMs: number }): Handler {
  const health = createHealthHandler(deps.readyPool, deps.readyTimeoutMs);
  return withProblems(async (req) => {
    const path = req.path.length > 1 ? req.path.replace(/\/$/, '') : req.path;
    if (!(OPS_PATHS as readonly string[]).includes(path)) throw new HttpError(404, `no such path: ${req.path}; this port serves ${OPS_PATHS.join(', ')}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `method ${req.method} is not allowed here; use GET`, { headers: { allow: 'GET, HEAD' } });
    if (path !== '/metrics') return health({ ...req, path });
    const registry = deps.metrics.registry;
    return { status: 200, headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' }, body: await registry.metrics() };
  });
}
