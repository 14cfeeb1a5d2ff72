/**
 * The one retry loop for Postgres conflicts (deadlock, serialization failure, a list that went
 * missing mid-write: classifyPgError's `conflict`). Every writer that can lose a race to
 * another (ingest, DELETE of a result, retention cleanup) runs its whole transaction through
 * here, so a retry always starts from scratch and the attempts and back-off are the same
 * everywhere. Any other error is thrown at once.
 */
import { classifyPgError } from './errors.js';
import { logger } from '../log.js';

export interface RetryOptions {
  /** Tries in all, the first included. */
  attempts?: number;
  /** Named in the debug log line of each retry. */
  what: string;
}

export const DEFAULT_ATTEMPTS = 5;

export async function retryConflicts<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const attempts = opts.attempts ?? DEFAULT_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || classifyPgError(err) !== 'conflict') throw err;
      logger.debug({ err, attempt, what: opts.what }, 'conflict with a concurrent writer; retrying');
      // Jittered: two writers that just deadlocked must not collide again in lockstep.
      await new Promise((r) => setTimeout(r, 2 * attempt + Math.random() * 10 * attempt));
    }
  }
}
