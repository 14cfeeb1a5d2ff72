import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerToken, type CoreRequest } from './core.js';
import { HttpError } from './problem.js';

/** Constant-time comparison: both sides are hashed first so their lengths leak nothing. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The caller's token: `Authorization: Bearer`, or `?access_token=` where allowed (the
 * CloudEvents webhook spec requires targets to accept it).
 */
export function callerToken(req: CoreRequest, allowQueryParam: boolean): string | undefined {
  return bearerToken(req) ?? (allowQueryParam ? (req.query.get('access_token') ?? undefined) : undefined);
}

export function unauthorized(detail: string): HttpError {
  return new HttpError(401, detail, { headers: { 'www-authenticate': 'Bearer realm="tekton-events"' } });
}
