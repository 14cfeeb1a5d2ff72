/**
 * The ingest function: CloudEvents in, EventLists appended, 2xx only after commit (SPEC §3).
 * 4xx means "do not retry" and names every bad event; 503 + Retry-After means "retry".
 */
import type pg from 'pg';
import { json, withProblems, type CoreRequest, type Handler } from '../../shared/http/core.js';
import { HttpError, type ProblemItem } from '../../shared/http/problem.js';
import { callerToken, tokenChecker, unauthorized } from '../../shared/http/auth.js';
import { addLogContext, logger } from '../../shared/log.js';
import { classifyPgError } from '../../shared/db/errors.js';
import { unavailableOr } from '../../shared/http/unavailable.js';
import { prepareBatch, type BatchOutcome, type PreparedBatch } from '../../shared/store/writeBatch.js';
import { AppendQueue } from '../../shared/store/appendQueue.js';
import type { ChangeSink, Write } from '../../shared/store/types.js';
import { readCloudEvents, type EventProblem, type Mode } from './parse.js';
import { toWrite } from './toWrites.js';
import { ALLOWED_METHODS, handshake } from './handshake.js';

/** Where accepted batches go: group commit into Postgres (AppendQueue), unless a test or benchmark says otherwise. */
export interface BatchStore {
  /** Resolves once `batch` is durable. */
  submit(batch: PreparedBatch): Promise<BatchOutcome>;
}

export interface IngestDeps {
  pool: pg.Pool;
  /** Every token accepted: one, or more while one is being rotated (INGEST_TOKEN_FILE). */
  tokens: string[];
  /** Told of every stored change inside its transaction (the webhook outbox). */
  sink?: ChangeSink;
  /** Writes in flight at once (group commit): by default the pool's connections. */
  maxInFlight?: number;
  /**
   * Replaces the group-commit queue into `pool`. The ingest benchmark passes one that stores
   * nothing, to measure what the function costs before Postgres.
   */
  store?: BatchStore;
}

/** Bad events named in a 400 at most: a batch of 340,000 bad events must not earn a 32 MB answer. */
export const MAX_LISTED_PROBLEMS = 100;

function rejectProblems(problems: EventProblem[]): never {
  const status = problems.every((p) => p.status === 415) ? 415 : 400;
  const errors: ProblemItem[] = problems.slice(0, MAX_LISTED_PROBLEMS).map(({ pointer, detail }) => ({ pointer, detail }));
  const first = problems[0]!;
  const more = problems.length - errors.length;
  const detail =
    problems.length === 1
      ? `${first.pointer}: ${first.detail}`
      : `${problems.length} problems, first ${first.pointer}: ${first.detail}; ` +
        (more > 0 ? `the first ${errors.length} are listed, ${more} more are not; ` : '') +
        'nothing was stored';
  throw new HttpError(status, detail, { errors });
}

/**
 * The request's CloudEvents, validated and made ready to store. Synchronous on purpose: the
 * parsed events are garbage once it returns, so a request waiting on Postgres holds only the
 * serialised batch (a burst of concurrent requests would otherwise keep megabytes of objects
 * alive through every young-generation GC).
 */
function toBatch(req: CoreRequest): { mode: Mode; count: number; batch: PreparedBatch } {
  const { mode, events, problems } = readCloudEvents(req);
  const writes: Write[] = [];
  for (const ce of events) {
    const w = toWrite(ce, ce.pointer);
    if (Array.isArray(w)) problems.push(...w);
    else writes.push(w);
  }
  if (problems.length > 0) rejectProblems(problems);
  if (events.length === 1) addLogContext({ ceId: events[0]!.id, ceSource: events[0]!.source });
  return { mode, count: writes.length, batch: prepareBatch(writes) };
}

export function createIngestHandler(deps: IngestDeps): Handler {
  const queue = deps.store ?? new AppendQueue(deps.pool, { maxInFlight: deps.maxInFlight ?? deps.pool.options.max ?? 10, sink: deps.sink });
  const accepts = tokenChecker(deps.tokens);
  return withProblems(async (req) => {
    if (req.method === 'OPTIONS') return handshake(req);
    if (req.method !== 'POST') {
      throw new HttpError(405, `method ${req.method} is not allowed: POST CloudEvents here`, { headers: { allow: ALLOWED_METHODS } });
    }
    const token = callerToken(req, true);
    if (!token) throw unauthorized('missing token: send Authorization: Bearer <token>');
    if (!accepts(token)) throw unauthorized('invalid token');

    const { mode, count, batch } = toBatch(req);
    try {
      const outcome = await queue.submit(batch);
      logger.debug({ mode, events: count, changed: outcome.changedRecords }, 'stored');
      // The webhook spec: a 2xx answer to a request that may carry ?access_token= is marked private.
      return json(200, { accepted: count }, { 'cache-control': 'private' });
    } catch (err) {
      if (classifyPgError(err) === 'bad-input') {
        throw new HttpError(400, `the event store refused the data: ${(err as Error).message}`, { cause: err });
      }
      throw unavailableOr(err, 'nothing was stored, retry later', 2);
    }
  });
}
