import { timingSafeEqual } from 'node:crypto';
import { bearerToken, type CoreRequest } from './core.js';
import { HttpError } from './problem.js';
import { ConfigError } from '../config.js';

/** Longer tokens than this are refused without a comparison: no secret is this long. */
export const MAX_TOKEN_BYTES = 512;

/**
 * A constant-time checker for the given shared secrets (one, or several while one is rotated).
 * The expected tokens are laid out once, zero-padded to MAX_TOKEN_BYTES; each call pads the
 * caller's token the same way and compares it with every expected one, so the time taken
 * depends neither on where the tokens differ, nor on which one was close, nor on their length.
 * No hashing per request: at one Event a request, a SHA-256 per token was a visible share of
 * the ingest function's CPU.
 */
export function tokenChecker(tokens: readonly string[]): (given: string) => boolean {
  const expected = tokens.map((t) => {
    if (Buffer.byteLength(t, 'utf8') > MAX_TOKEN_BYTES) throw new ConfigError(`a token may be at most ${MAX_TOKEN_BYTES} bytes long`);
    const padded = Buffer.alloc(MAX_TOKEN_BYTES);
    return { padded, length: padded.write(t, 'utf8') };
  });
  const given = Buffer.alloc(MAX_TOKEN_BYTES);
  return (token) => {
    if (Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES) return false;
    given.fill(0);
    const length = given.write(token, 'utf8');
    let ok = false;
    for (const e of expected) ok = (timingSafeEqual(given, e.padded) && length === e.length) || ok;
    return ok;
  };
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
