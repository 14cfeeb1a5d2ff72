/** Calls of the subscriptions API for tests. */
import type pg from 'pg';
import { QUERY_TOKEN } from '../helpers/server.js';
import { until } from '../helpers/until.js';

// Tests read arbitrary JSON shapes; `any` keeps assertions readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function api(base: string, method: string, path: string, body?: unknown, token = QUERY_TOKEN): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/v1/subscriptions${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Env every webhook test server runs with: targets on 127.0.0.1, short timeouts. */
export const WEBHOOK_ENV = {
  SUBSCRIPTION_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_TIMEOUT_SECONDS: '2',
};

/** Waits until every stored change is fanned out and no delivery is waiting for an attempt. */
export async function quiet(pool: pg.Pool): Promise<void> {
  await until(
    async () =>
      (
        await pool.query<{ n: number }>(
          `select (select count(*) from webhook_changes where not fanned_out) + (select count(*) from webhook_deliveries where state = 'pending') as n`,
        )
      ).rows[0]!.n,
    (n) => Number(n) === 0,
    'the outbox and the deliveries to settle',
  );
}
