import pg from 'pg';
import { logger } from '../log.js';
import { sendCancel } from './cancel.js';

// Postgres `numeric` and `int8` arrive as strings by default; counts here fit a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * The bounds every pool puts on every database call, so no request waits on Postgres for
 * longer than a known time, whatever Postgres does (slow, locked, stopped, unreachable).
 */
export interface PoolBounds {
  /** Postgres' statement_timeout for every statement of the pool's connections. */
  statementTimeoutMs?: number;
  /** How long to wait for a connection: a new one (TCP + startup) or a free one of the pool. */
  connectTimeoutMs?: number;
  /** application_name, so pg_stat_activity tells which function a backend serves. */
  applicationName?: string;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/**
 * The client gives up this long after Postgres should have: a server that answers cancels the
 * statement itself (a clean 57014); one that does not answer at all (stopped, a network black
 * hole) is given up on by the client.
 */
export const CLIENT_GRACE_MS = 2_000;

/** The error the client raises when Postgres did not answer in time (pg's query_timeout). */
export const CLIENT_TIMEOUT_MESSAGE = 'Query read timeout';

export function createPool(connectionString: string, max = 10, bounds: PoolBounds = {}): pg.Pool {
  const statementTimeoutMs = bounds.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString,
    max,
    // Fail fast when the database is unreachable or the pool exhausted (pg-pool applies this to
    // waiting for a free client too), so callers answer 503 and are retried.
    connectionTimeoutMillis: bounds.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    // 0: unbounded, for migrations only (they may rewrite big tables).
    statement_timeout: statementTimeoutMs,
    // A transaction left open by a client that went away does not hold its locks for long.
    idle_in_transaction_session_timeout: statementTimeoutMs > 0 ? Math.max(statementTimeoutMs * 2, 10_000) : 0,
    query_timeout: statementTimeoutMs > 0 ? statementTimeoutMs + CLIENT_GRACE_MS : undefined,
    // A peer that vanished (host down, network cut) is noticed by the kernel within about a
    // minute rather than the default two hours; a stopped server is caught by query_timeout.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: bounds.applicationName ?? 'tekton-events',
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (err: Error & { code?: string }) => logger.warn({ code: err.code, error: err.message }, 'idle database connection lost'));
  return pool;
}

/**
 * Whether a client that saw `err` must not go back to the pool: its connection is gone or in an
 * unknown state (the client gave up waiting, so the statement may still be running and would
 * hold up the next caller). Errors Postgres answered with a SQLSTATE leave it usable.
 */
export function spoilsClient(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && !e.code.startsWith('08')) return false;
  return true;
}

/** A checked-out client and how to give it back; `release(err)` destroys it when `err` spoiled it. */
export interface Lease {
  client: pg.PoolClient;
  release(err?: unknown): void;
}

/**
 * Checks a client out for several statements. pg-pool removes its error listener from a
 * checked-out client, and a connection lost between two statements (a database restart)
 * then emits an 'error' nobody hears, which ends the process. This listens for it; the
 * failure still reaches the caller through the next query. A client that failed without a
 * SQLSTATE (timed out, connection lost) is destroyed rather than reused.
 *
 * `signal`: when it aborts (the HTTP client went away), the running statement is cancelled in
 * Postgres, so the work stops rather than running on for nobody.
 */
export async function lease(pool: pg.Pool, signal?: AbortSignal): Promise<Lease> {
  signal?.throwIfAborted();
  const client = await pool.connect();
  if (signal?.aborted) {
    // Gone while waiting for a connection: nothing to run.
    client.release();
    signal.throwIfAborted();
  }
  let lost: Error | undefined;
  const onError = (err: Error & { code?: string }) => {
    lost = err;
    logger.warn({ code: err.code, error: err.message }, 'database connection lost while checked out');
  };
  client.on('error', onError);
  const onAbort = () => {
    void sendCancel(client).catch((err: Error) => logger.debug({ error: err.message }, 'cancel request failed'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let released = false;
  return {
    client,
    release(err?: unknown) {
      if (released) return;
      released = true;
      if (!lost && err !== undefined && spoilsClient(err)) lost = err instanceof Error ? err : new Error(String(err));
      signal?.removeEventListener('abort', onAbort);
      client.off('error', onError);
      client.release(lost);
    },
  };
}

/** Runs `fn` on one checked-out client (see `lease`). */
export async function checkout<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const l = await lease(pool, signal);
  try {
    const out = await fn(l.client);
    l.release();
    return out;
  } catch (err) {
    l.release(err);
    throw err;
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
      // A rollback on a broken connection fails too, and one queued behind a statement the client
      // gave up on would wait as long again: such a client is destroyed (Postgres rolls back).
      if (!spoilsClient(err)) await client.query('rollback').catch(() => undefined);
      throw err;
    }
  });
}
