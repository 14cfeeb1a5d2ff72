import pg from 'pg';
import { logger } from '../log.js';

// Postgres `numeric` and `int8` arrive as strings by default; counts here fit a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createPool(connectionString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    // Fail fast when the database is unreachable, so callers can answer 503 and be retried.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'tekton-events',
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (err) => logger.warn({ err }, 'idle database connection lost'));
  return pool;
}

/**
 * Checks a client out for several statements. pg-pool removes its error listener from a
 * checked-out client, and a connection lost between two statements (a database restart)
 * then emits an 'error' nobody hears, which ends the process. This listens for it; the
 * failure still reaches the caller through the next query.
 */
export async function checkout<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
    logger.warn({ err }, 'database connection lost while checked out');
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}

/** Runs `fn` in one transaction on one client: committed if it returns, rolled back if it throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return checkout(pool, async (client) => {
    await client.query('begin');
    try {
      const out = await fn(client);
      await client.query('commit');
      return out;
    } catch (err) {
      // A rollback on a broken connection fails too; the original error is the one to report.
      await client.query('rollback').catch(() => undefined);
      throw err;
    }
  });
}
