/**
 * The cleanup function: a scheduler (Cloud Scheduler, a Kubernetes CronJob, …) POSTs here with
 * `Authorization: Bearer <CLEANUP_TOKEN>`; Results not updated for the retention age are deleted
 * with their EventLists, in batches, until none is left or the time budget is spent.
 *
 * Where the platform itself authenticates the caller with the Authorization header (Cloud
 * Scheduler's OIDC token to a private Cloud Function), the token travels in `X-Cleanup-Token`
 * instead: when that header is present it is the one checked, so both checks hold.
 *
 * Bounded batches keep each delete a short transaction (locks and WAL stay small while ingest
 * goes on); the time budget keeps the call inside the platform's request timeout. `more: true`
 * says the next scheduled call has work left.
 */
import type pg from 'pg';
import { bearerToken, json, withProblems, type Handler } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';
import { tokenChecker, unauthorized } from '../../shared/http/auth.js';
import { retryConflicts } from '../../shared/db/retry.js';
import { unavailableOr } from '../../shared/http/unavailable.js';
import { logger } from '../../shared/log.js';
import { deleteExpiredBatch, storedRetentionDays, type DeletedBatch } from '../../shared/store/deleteExpired.js';

export const DEFAULT_RETENTION_DAYS = 30;

export interface CleanupDeps {
  pool: pg.Pool;
  /** Unset: the function is switched off and refuses every call. */
  token: string | undefined;
  /** Unset: the `retention_days` setting stored by infra apply, else DEFAULT_RETENTION_DAYS. */
  retentionDays: number | undefined;
  batchSize: number;
  /** Batches start only while this much time has not passed since the call began. */
  timeBudgetMs: number;
  now?: () => Date;
}

export interface CleanupReport {
  retention_days: number;
  cutoff: string;
  deleted_results: number;
  deleted_records: number;
  deleted_events: number;
  batches: number;
  /** true: stopped by the time budget with (possibly) more to delete */
  more: boolean;
}

/**
 * A result that gets an Event just as it expires can deadlock with that append (ingest locks the
 * record, then the result; the cascade the other way round). Postgres aborts one of the two;
 * ingest retries its side, and so does this.
 */
function batchWithRetry(pool: pg.Pool, cutoff: Date, limit: number): Promise<DeletedBatch> {
  return retryConflicts(() => deleteExpiredBatch(pool, cutoff, limit), { what: 'delete expired results', attempts: 3 });
}

export async function runCleanup(deps: CleanupDeps): Promise<CleanupReport> {
  const now = deps.now ?? (() => new Date());
  const started = Date.now();
  const days = deps.retentionDays ?? (await storedRetentionDays(deps.pool)) ?? DEFAULT_RETENTION_DAYS;
  const cutoff = new Date(now().getTime() - days * 86_400_000);
  const report: CleanupReport = {
    retention_days: days,
    cutoff: cutoff.toISOString(),
    deleted_results: 0,
    deleted_records: 0,
    deleted_events: 0,
    batches: 0,
    more: false,
  };
  for (;;) {
    const batch = await batchWithRetry(deps.pool, cutoff, deps.batchSize);
    report.batches++;
    report.deleted_results += batch.results;
    report.deleted_records += batch.records;
    report.deleted_events += batch.events;
    // A short batch means nothing old was left (or only rows locked by writers right now).
    if (batch.results < deps.batchSize) return report;
    if (Date.now() - started >= deps.timeBudgetMs) {
      report.more = true;
      return report;
    }
  }
}

export const CLEANUP_TOKEN_HEADER = 'x-cleanup-token';

export function cleanupToken(req: Parameters<Handler>[0]): string | undefined {
  const header = req.headers[CLEANUP_TOKEN_HEADER];
  if (header !== undefined) return header.trim() || undefined;
  return bearerToken(req);
}

export function createCleanupHandler(deps: CleanupDeps): Handler {
  const accepts = deps.token ? tokenChecker([deps.token]) : undefined;
  return withProblems(async (req) => {
    if (req.method !== 'POST') {
      throw new HttpError(405, `method ${req.method} is not allowed: POST to run the cleanup`, { headers: { allow: 'POST' } });
    }
    if (!deps.token) throw new HttpError(403, 'cleanup is switched off: CLEANUP_TOKEN is not set');
    const token = cleanupToken(req);
    if (!token) throw unauthorized('missing token: send Authorization: Bearer <token> (or X-Cleanup-Token: <token>)');
    if (!accepts?.(token)) throw unauthorized('invalid token');
    try {
      const report = await runCleanup(deps);
      logger.info(report, 'cleanup done');
      return json(200, report);
    } catch (err) {
      throw unavailableOr(err, 'retry later (batches already done stay done)', 10);
    }
  });
}
