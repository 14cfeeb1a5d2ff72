/**
 * What the local server checks from the request line and headers alone, before it reads a byte
 * of the body: a client without the right token, or one sending a large body where none belongs,
 * costs no buffering and no waiting on a slow upload. GET and the other methods that carry no
 * data here may have a small body only (see maxBodyFor). The handlers check the same again (they
 * also run behind adapters whose framework has read the body already).
 */
import type { Config } from '../shared/config.js';
import { callerToken, tokenChecker, unauthorized } from '../shared/http/auth.js';
import { HttpError } from '../shared/http/problem.js';
import { maxBodyFor, type Gate } from '../shared/http/node.js';
import { ingestTokens } from './ingest/token.js';
import { cleanupToken } from './cleanup/handler.js';


function checkToken(token: string | undefined, accepts: (token: string) => boolean): void {
  if (!token) throw unauthorized('missing token: send Authorization: Bearer <token>');
  if (!accepts(token)) throw unauthorized('invalid token');
}

/**
 * `only`: the one function this server runs (a service of its own, functions/serve.ts), which
 * then answers every path, so its token is checked on every POST rather than on its path.
 */
export function gateFor(config: Config, only?: 'ingest' | 'cleanup' | 'other'): Gate {
  let ingest: ((token: string) => boolean) | undefined;
  try {
    ingest = tokenChecker(ingestTokens(config));
  } catch {
    ingest = undefined; // not configured: the ingest handler says so itself
  }
  const cleanup = config.CLEANUP_TOKEN === undefined ? undefined : tokenChecker([config.CLEANUP_TOKEN]);
  return (req) => {
    const max = maxBodyFor(req.method);
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (max !== undefined && Number.isFinite(declared) && declared > max) {
      throw new HttpError(413, `a ${req.method} request may carry at most ${max} bytes of body (the request message Results clients send); this one announces ${declared}`);
    }
    if (req.method !== 'POST') return;
    const fn = only ?? (req.path === '/ingest' || req.path === '/ingest/' ? 'ingest' : req.path === '/cleanup' ? 'cleanup' : 'other');
    if (fn === 'ingest' && ingest) checkToken(callerToken(req, true), ingest);
    if (fn === 'cleanup' && cleanup) checkToken(cleanupToken(req), cleanup);
  };
}
