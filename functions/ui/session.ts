/**
 * Sign-in for the pages. The query token is kept in a cookie the page's scripts cannot read
 * (`HttpOnly`), that no other site's request carries (`SameSite=Strict`), scoped to the pages
 * (`Path=/ui`), and `Secure` whenever the page is served over https (directly or behind a proxy
 * that says so). A token never travels in a URL: it arrives in a form POST body and leaves only
 * in `Set-Cookie`. `Authorization: Bearer` works on every page too and wins over the cookie.
 *
 * CSRF: SameSite=Strict keeps the cookie off cross-site requests; the state-changing POSTs
 * (sign-in, sign-out) also require an `Origin` (or, failing that, `Referer`) of this very host,
 * so another site cannot sign a visitor in with its own token either.
 */
import { bearerToken, type CoreRequest } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';

export const COOKIE_NAME = 'tekton_events_token';
/** A signed-in page stays signed in for at most this long (seconds); the token's own validity still applies. */
const MAX_AGE_SECONDS = 8 * 3600;

/** The value of one cookie from the Cookie header, or undefined. */
export function cookieValue(req: CoreRequest, name: string): string | undefined {
  const header = req.headers['cookie'];
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The caller's token: the Authorization header, else the sign-in cookie. */
export function pageToken(req: CoreRequest): { token: string | undefined; via: 'header' | 'cookie' | 'none' } {
  const header = bearerToken(req);
  if (header) return { token: header, via: 'header' };
  const cookie = cookieValue(req, COOKIE_NAME);
  if (cookie) return { token: cookie, via: 'cookie' };
  return { token: undefined, via: 'none' };
}

/** https as the browser sees it: the connection itself, or a proxy's `X-Forwarded-Proto`/`Forwarded`. */
export function servedOverHttps(req: CoreRequest): boolean {
  const xfp = req.headers['x-forwarded-proto']?.split(',', 1)[0]?.trim().toLowerCase();
  if (xfp === 'https') return true;
  const fwd = req.headers['forwarded'];
  if (fwd && /(?:^|[;,\s])proto=("?)https\1(?:[;,\s]|$)/i.test(fwd)) return true;
  return false;
}

function attributes(req: CoreRequest, maxAge: number): string {
  const secure = servedOverHttps(req) ? '; Secure' : '';
  return `Path=/ui; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
}

export function signInCookie(req: CoreRequest, token: string): string {
  return `${COOKIE_NAME}=${encodeURIComponent(token)}; ${attributes(req, MAX_AGE_SECONDS)}`;
}

export function signOutCookie(req: CoreRequest): string {
  return `${COOKIE_NAME}=; ${attributes(req, 0)}`;
}

/** The hosts this request may come from: its Host, and the host a proxy says the browser used. */
function ownHosts(req: CoreRequest): string[] {
  const hosts = [req.headers['host'], req.headers['x-forwarded-host']?.split(',', 1)[0]?.trim()];
  return hosts.filter((h): h is string => !!h).map((h) => h.toLowerCase());
}

/** Refuses a POST that a page of another origin (or an unknown one) sent. */
export function checkSameOrigin(req: CoreRequest): void {
  if (req.headers['sec-fetch-site'] === 'cross-site') throw new HttpError(403, 'cross-site form posts are refused');
  const from = req.headers['origin'] ?? req.headers['referer'];
  if (!from || from === 'null') throw new HttpError(403, 'a form post must carry an Origin header of this site');
  let host: string;
  try {
    host = new URL(from).host.toLowerCase();
  } catch {
    throw new HttpError(403, 'the Origin header is not a URL');
  }
  if (!ownHosts(req).includes(host)) throw new HttpError(403, 'form posts from another origin are refused');
}
