/**
 * Health, in two questions a platform asks separately:
 *   `/healthz` (liveness): is this process serving HTTP? Answered without the database, so a
 *     slow or stopped Postgres, or a pool busy with queries, never makes a live process look
 *     dead (and get restarted, which helps nothing).
 *   `/readyz` (readiness): can it do its work? One round trip to Postgres on a connection of
 *     its own, bounded by READY_TIMEOUT_MS: 503 + Retry-After when it does not answer in time.
 */
import type pg from 'pg';
import { json, type Handler } from '../shared/http/core.js';

async function databaseAnswers(pool: pg.Pool, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([pool.query('select 1').then(() => true, () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function createHealthHandler(pool: pg.Pool, timeoutMs = 1_000): Handler {
  return async (req) => {
    const headers = { 'cache-control': 'no-store' };
    if (req.path !== '/readyz') return json(200, { status: 'ok' }, headers);
    if (await databaseAnswers(pool, timeoutMs)) return json(200, { status: 'ready' }, headers);
    return json(
      503,
      { status: 'unavailable', detail: `the database did not answer within ${timeoutMs} ms (READY_TIMEOUT_MS)` },
      { ...headers, 'retry-after': '2' },
    );
  };
}
