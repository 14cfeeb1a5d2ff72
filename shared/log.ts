/**
 * JSON logs with levels (pino). Request-scoped fields (request id, CloudEvent id/source) travel
 * in AsyncLocalStorage, so a log line deep in the store still says which request it served.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino } from 'pino';
import { ConfigError, LOG_LEVELS } from './config.js';

const context = new AsyncLocalStorage<Record<string, unknown>>();

/**
 * LOG_LEVEL as asked when it is one pino knows. Not thrown on here: pino would throw with a
 * stack while this module is imported, before any configuration check could say in one line
 * what is wrong. An unknown value falls back to info, and the configuration checks
 * (shared/config.ts, forwarder/config.ts) refuse it.
 */
function initialLevel(): string {
  const asked = process.env['LOG_LEVEL'];
  if (asked !== undefined && (LOG_LEVELS as readonly string[]).includes(asked)) return asked;
  return process.env['VITEST'] ? 'silent' : 'info';
}

/**
 * An error as a log line shows it: its type, message, SQLSTATE `code`, the `statement` that
 * raised it (shared/db/errors.ts inStatement), an HTTP `status`, the stack and its causes.
 * Nothing else: pg attaches its client to some errors, and serialising that printed the
 * connection parameters (a password in DATABASE_URL) and every prepared statement's SQL.
 */
export function serializeError(err: unknown, depth = 0): Record<string, unknown> {
  if (!(err instanceof Error)) {
    return { type: typeof err, message: typeof err === 'string' ? err : 'a thrown value that is not an Error' };
  }
  const e = err as Error & { code?: unknown; statement?: unknown; status?: unknown };
  // pg names its errors 'error'; the class (DatabaseError) says more.
  const type = e.constructor.name !== 'Error' ? e.constructor.name : e.name;
  const out: Record<string, unknown> = { type, message: e.message };
  if (typeof e.code === 'string' || typeof e.code === 'number') out['code'] = e.code;
  if (typeof e.statement === 'string') out['statement'] = e.statement;
  if (typeof e.status === 'number') out['status'] = e.status;
  if (e.stack) out['stack'] = e.stack;
  if (e.cause !== undefined && depth < 3) out['cause'] = serializeError(e.cause, depth + 1);
  return out;
}

export const logger = pino({
  level: initialLevel(),
  base: { service: 'tekton-events' },
  messageKey: 'message',
  formatters: { level: (label) => ({ severity: label.toUpperCase(), level: label }) },
  mixin: () => context.getStore() ?? {},
  serializers: { err: serializeError },
});

export function withLogContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  const parent = context.getStore();
  return context.run({ ...parent, ...fields }, fn);
}

/** Adds fields to the current request's log context (e.g. once a CloudEvent id is known). */
export function addLogContext(fields: Record<string, unknown>): void {
  const store = context.getStore();
  if (store) Object.assign(store, fields);
}

/**
 * The end of a process that cannot start or go on: said once, on stderr, in one line a person
 * can read. A configuration error is its own message (exit 2); anything else is
 * `<what>: <message>` (exit 1), with the stack only at LOG_LEVEL=debug. Never the error object
 * whole: a pg error carries its client (connection parameters, password).
 */
export function exitFatal(what: string, err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  const e = err as { message?: unknown; code?: unknown; stack?: unknown } | undefined;
  const message = (typeof e?.message === 'string' && e.message !== '' ? e.message : String(err)).split('\n')[0];
  const code = typeof e?.code === 'string' || typeof e?.code === 'number' ? ` (${e.code})` : '';
  process.stderr.write(`${what}: ${message}${code}\n`);
  if (logger.isLevelEnabled('debug') && typeof e?.stack === 'string') logger.debug({ stack: e.stack }, `${what}: stack`);
  process.exit(1);
}
