/**
 * How every function answers a Postgres error worth retrying (server restarting, connection
 * lost, lock or statement timeout, a conflict its own retries did not settle): 503 with a
 * Retry-After, so clients and the forwarder back off and try again.
 */
import { classifyPgError } from '../db/errors.js';
import { HttpError } from './problem.js';

/** The 503 for `err` when retrying can help; otherwise `err` itself, to be rethrown as it is. */
export function unavailableOr(err: unknown, detail: string, retryAfterSeconds: number): unknown {
  const kind = classifyPgError(err);
  if (kind !== 'retry' && kind !== 'conflict') return err;
  return new HttpError(503, `the event store is unavailable; ${detail}`, {
    headers: { 'retry-after': String(retryAfterSeconds) },
    cause: err,
  });
}
