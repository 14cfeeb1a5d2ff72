/**
 * Paging of the subscription and delivery lists: `page_size` (default 50, at most 1000) and an
 * opaque `page_token` holding the last item's sort key. A token only moves a cursor within
 * what the caller may see anyway, so it needs no signature; it is still checked, never trusted.
 */
import { HttpError } from '../../shared/http/problem.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export function pageSize(q: URLSearchParams): number {
  const raw = q.get('page_size');
  if (raw === null || raw === '') return DEFAULT_PAGE_SIZE;
  if (!/^\d{1,9}$/.test(raw)) throw new HttpError(400, `page_size "${raw.slice(0, 20)}" is not a non-negative integer`);
  const n = Number(raw);
  if (n === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(n, MAX_PAGE_SIZE);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The cursor's `n` parts: an RFC 3339 time and/or a UUID, the last always a UUID. */
export function decodeCursor(token: string | null, n: number): string[] | undefined {
  if (token === null || token === '') return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  const ok =
    Array.isArray(parts) &&
    parts.length === n &&
    parts.every((p) => typeof p === 'string') &&
    UUID_RE.test(parts[n - 1] as string) &&
    (n === 1 || !Number.isNaN(Date.parse(parts[0] as string)));
  if (!ok) throw new HttpError(400, 'page_token is not a token this API gave out');
  return parts as string[];
}
