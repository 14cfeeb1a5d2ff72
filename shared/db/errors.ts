/**
 * What a Postgres error means for the caller, by SQLSTATE. One table, so every function answers
 * the same way: `retry` becomes 503 + Retry-After (or an in-process retry), `conflict` a retry of
 * the transaction (shared/db/retry.ts), `bad-input` a 400.
 */
export type ErrorClass = 'retry' | 'conflict' | 'bad-input' | 'bug';

const BY_CODE: Record<string, ErrorClass> = {
  '40001': 'conflict', // serialization_failure
  '40P01': 'conflict', // deadlock_detected
  '55P03': 'retry', // lock_not_available
  '57014': 'retry', // query_canceled (statement_timeout)
  '57P01': 'retry', // admin_shutdown: server restarting
  '57P02': 'retry', // crash_shutdown
  '57P03': 'retry', // cannot_connect_now: server starting up
  '53300': 'retry', // too_many_connections
  '53100': 'retry', // disk_full
  '53200': 'retry', // out_of_memory
  '22P02': 'bad-input', // invalid_text_representation
  '22007': 'bad-input', // invalid_datetime_format
  '22008': 'bad-input', // datetime_field_overflow
  '22003': 'bad-input', // numeric_value_out_of_range
  '22021': 'bad-input', // character_not_in_repertoire (e.g. NUL in text)
  '22P05': 'bad-input', // untranslatable_character (\u0000 in jsonb)
  '54000': 'bad-input', // program_limit_exceeded (e.g. index row too large)
};

/**
 * A conflict the store detects itself rather than Postgres: a list that was missing when
 * events were appended to it (deleted meanwhile, or created by another writer too late to be
 * seen). Like a deadlock, the whole write is retried from the start.
 */
export class WriteConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WriteConflict';
  }
}

/** Node socket errors and pg's own connection errors have no SQLSTATE but mean "try later". */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

export function classifyPgError(err: unknown): ErrorClass {
  if (err instanceof WriteConflict) return 'conflict';
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code && BY_CODE[code]) return BY_CODE[code];
  if (code && code.startsWith('08')) return 'retry'; // connection_exception class
  if (code && NETWORK.has(code)) return 'retry';
  const msg = typeof e?.message === 'string' ? e.message : '';
  if (/Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error/i.test(msg)) {
    return 'retry';
  }
  return 'bug';
}

/**
 * Marks an error with the name of the statement that raised it, for the log (shared/log.ts
 * prints `statement` beside code and message). pg's errors do not say which query failed.
 */
export function inStatement(name: string): (err: unknown) => never {
  return (err: unknown) => {
    if (typeof err === 'object' && err !== null && !('statement' in err)) {
      Object.defineProperty(err, 'statement', { value: name, enumerable: true, configurable: true });
    }
    throw err;
  };
}
