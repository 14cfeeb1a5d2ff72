/**
 * JSON logs with levels (pino). Request-scoped fields (request id, CloudEvent id/source) travel
 * in AsyncLocalStorage, so a log line deep in the store still says which request it served.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino } from 'pino';

const context = new AsyncLocalStorage<Record<string, unknown>>();

export const logger = pino({
  level: process.env['LOG_LEVEL'] ?? (process.env['VITEST'] ? 'silent' : 'info'),
  base: { service: 'tekton-events' },
  messageKey: 'message',
  formatters: { level: (label) => ({ severity: label.toUpperCase(), level: label }) },
  mixin: () => context.getStore() ?? {},
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
