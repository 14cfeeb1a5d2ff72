/**
 * JSON logs with levels (pino). Request-scoped fields (request id, CloudEvent id/source) travel
 * in AsyncLocalStorage, so a log line deep in the store still says which request it served.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino } from 'pino';

const context = new AsyncLocalStorage<Record<string, unknown>>();

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
  level: process.env['LOG_LEVEL'] ?? (process.env['VITEST'] ? 'silent' : 'info'),
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
