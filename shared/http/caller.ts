/**
 * Who is calling a read API: the bearer token, and the identity a proxy asks to act as through
 * Kubernetes' impersonation headers (`Impersonate-User`, `-Group`, `-Uid`, `-Extra-<key>`), as
 * the Kubernetes API server and Tekton Results read them. Every authorizer receives this, never
 * a bare token, so no route can forget the headers: a proxy relying on them must not get its
 * own (wider) permissions.
 */
import { callerToken } from './auth.js';
import type { CoreRequest } from './core.js';
import { HttpError } from './problem.js';

export interface Impersonation {
  user: string;
  groups: string[];
  uid: string | undefined;
  /** Extra keys are percent-decoded, as the API server does. */
  extra: Record<string, string[]>;
}

export interface Caller {
  token: string | undefined;
  /** Set when the request asks to act as someone else. */
  impersonate: Impersonation | undefined;
}

const EXTRA_PREFIX = 'impersonate-extra-';
/** Bounds on what one request may ask to impersonate: each item costs a SubjectAccessReview. */
const MAX_ITEMS = 16;
const MAX_VALUE = 512;

/** Node joins repeated headers with ", "; the values are names that contain no commas. */
function values(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function decodeKey(k: string): string {
  try {
    return decodeURIComponent(k);
  } catch {
    return k; // the API server records malformed keys as they are, too
  }
}

export function callerOf(req: CoreRequest, allowQueryParam = false): Caller {
  const token = callerToken(req, allowQueryParam);
  const h = req.headers;
  const names = Object.keys(h).filter((k) => k.startsWith('impersonate-'));
  if (names.length === 0) return { token, impersonate: undefined };

  const users = values(h['impersonate-user']);
  const groups = values(h['impersonate-group']);
  const uids = values(h['impersonate-uid']);
  const extra: Record<string, string[]> = {};
  for (const name of names) {
    if (!name.startsWith(EXTRA_PREFIX)) continue;
    extra[decodeKey(name.slice(EXTRA_PREFIX.length))] = values(h[name]);
  }
  const unknown = names.filter((n) => !['impersonate-user', 'impersonate-group', 'impersonate-uid'].includes(n) && !n.startsWith(EXTRA_PREFIX));
  if (unknown.length > 0) throw new HttpError(400, `unknown impersonation header ${unknown[0]}`);
  if (users.length !== 1) {
    throw new HttpError(400, users.length === 0 ? 'Impersonate-User is required to impersonate groups, a UID or extra values' : 'give Impersonate-User once');
  }
  if (uids.length > 1) throw new HttpError(400, 'give Impersonate-Uid once');
  const all = [users[0]!, ...groups, ...uids, ...Object.values(extra).flat()];
  if (all.length > MAX_ITEMS || all.some((v) => v.length > MAX_VALUE)) {
    throw new HttpError(400, `impersonation asks for too much: at most ${MAX_ITEMS} values of ${MAX_VALUE} characters`);
  }
  return { token, impersonate: { user: users[0]!, groups, uid: uids[0], extra } };
}

/** A stable key for caching decisions made for this impersonation. */
export function impersonationKey(i: Impersonation | undefined): string {
  if (!i) return '';
  const extra = Object.keys(i.extra)
    .sort()
    .map((k) => [k, i.extra[k]]);
  return JSON.stringify([i.user, [...i.groups].sort(), i.uid ?? null, extra]);
}
