/**
 * Exit codes and the one line a failure prints, so scripts can tell why a call failed:
 *   0 ok · 1 other error · 2 usage (bad flag, bad config, bad request) · 3 not authenticated (401)
 *   4 forbidden (403) · 5 not found (404) · 6 server unreachable, timed out or unavailable (503)
 */
import { ApiError } from '../shared/client/index.js';
import { UsageError } from './settings.js';

export const EXIT = { ok: 0, error: 1, usage: 2, unauthenticated: 3, forbidden: 4, notFound: 5, unavailable: 6 } as const;

export interface Failure {
  code: number;
  message: string;
}

export function failureOf(err: unknown, ctx: { server: string; configFile: string }): Failure {
  if (err instanceof UsageError) return { code: EXIT.usage, message: err.message };
  if (!(err instanceof ApiError)) return { code: EXIT.error, message: err instanceof Error ? err.message : String(err) };
  switch (err.code) {
    case 'unauthenticated':
      return { code: EXIT.unauthenticated, message: `not authenticated (401): ${err.message}; pass --token, set TKN_EVENTS_TOKEN, or put token: in ${ctx.configFile}` };
    case 'permission_denied':
      return { code: EXIT.forbidden, message: `forbidden (403): ${err.message}` };
    case 'not_found':
      return { code: EXIT.notFound, message: `not found (404): ${err.message}` };
    case 'unreachable':
      return { code: EXIT.unavailable, message: `${err.message}; is the server running? Set it with --server or TKN_EVENTS_SERVER` };
    case 'timeout':
      return { code: EXIT.unavailable, message: err.message };
    case 'unavailable':
      return { code: EXIT.unavailable, message: `unavailable (503): ${err.message}${err.retryAfter ? `; retry in ${err.retryAfter} s` : ''}` };
    case 'invalid_argument':
      return { code: EXIT.usage, message: `bad request (${err.status || 'client'}): ${err.message}` };
    default:
      return { code: EXIT.error, message: `${err.status ? `HTTP ${err.status}: ` : ''}${err.message}` };
  }
}
