/**
 * The pages' paths and query parameters → a route. Pure. Every input is checked here, at the
 * edge: namespaces and names as Kubernetes spells them, a known status, bounded lengths, and a
 * paging cursor that only ever narrows the time range (it carries no authority).
 */
import { HttpError } from '../../shared/http/problem.js';
import { NAMESPACE_RE, validUuid } from '../../shared/names.js';
import { STATUS_FILTERS, type StatusFilter } from '../../shared/store/recentRuns.js';
import { STYLESHEET_PATH } from './style.js';

export const UI_PREFIX = '/ui';

export type UiRoute =
  | { view: 'list'; query: URLSearchParams }
  | { view: 'run'; kind: 'PipelineRun' | 'TaskRun'; namespace: string; name: string; uid: string | undefined; query: URLSearchParams }
  | { view: 'login'; query: URLSearchParams }
  | { view: 'logout'; query: URLSearchParams }
  | { view: 'stylesheet'; query: URLSearchParams }
  | { view: 'subscriptions'; query: URLSearchParams }
  | { view: 'newSubscription'; query: URLSearchParams }
  | { view: 'subscription'; id: string; query: URLSearchParams }
  | { view: 'redeliver'; id: string; delivery: string; query: URLSearchParams }
  | { view: 'deleteSubscription'; id: string; query: URLSearchParams }
  | { view: 'enableSubscription'; id: string; query: URLSearchParams };

export const SUBSCRIPTIONS_PAGE = `${UI_PREFIX}/subscriptions`;

/** Kubernetes object names (DNS subdomain). */
const RUN_NAME_RE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const UID_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function methods(method: string, allowed: string[]): void {
  if (!allowed.includes(method)) {
    throw new HttpError(405, `method ${method} is not allowed here; use ${allowed.join(', ')}`, { headers: { allow: allowed.join(', ') } });
  }
}

function segment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, 'the path has malformed percent-encoding');
  }
}

export function isUiPath(path: string): boolean {
  return path === UI_PREFIX || path.startsWith(`${UI_PREFIX}/`);
}

export function matchUiRoute(method: string, path: string, query: URLSearchParams): UiRoute {
  const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (p === UI_PREFIX) {
    methods(method, ['GET', 'HEAD']);
    return { view: 'list', query };
  }
  if (p === `${UI_PREFIX}/login`) {
    methods(method, ['GET', 'HEAD', 'POST']);
    return { view: 'login', query };
  }
  if (p === `${UI_PREFIX}/logout`) {
    methods(method, ['POST']);
    return { view: 'logout', query };
  }
  if (p === STYLESHEET_PATH) {
    methods(method, ['GET', 'HEAD']);
    return { view: 'stylesheet', query };
  }
  const segs = p.slice(UI_PREFIX.length + 1).split('/');
  if (segs[0] === 'subscriptions') return subscriptionRoute(method, segs.slice(1), query);
  if (segs.length === 4 && segs[0] === 'namespaces' && (segs[2] === 'pipelineruns' || segs[2] === 'taskruns')) {
    methods(method, ['GET', 'HEAD']);
    const namespace = segment(segs[1]!);
    const name = segment(segs[3]!);
    if (!NAMESPACE_RE.test(namespace)) throw new HttpError(400, `"${namespace}" is not a namespace name`);
    if (!RUN_NAME_RE.test(name)) throw new HttpError(400, `"${name}" is not a run name`);
    const uid = query.get('uid') ?? undefined;
    if (uid !== undefined && !UID_RE.test(uid)) throw new HttpError(400, 'uid is not a Kubernetes uid');
    return { view: 'run', kind: segs[2] === 'taskruns' ? 'TaskRun' : 'PipelineRun', namespace, name, uid, query };
  }
  throw new HttpError(404, 'There is no such page.');
}

/** `/ui/subscriptions[/new | /{id}[/delete | /enabled | /deliveries/{delivery}/redeliver]]`; an id that is not a UUID names nothing (404). */
function subscriptionRoute(method: string, segs: string[], query: URLSearchParams): UiRoute {
  const none = () => new HttpError(404, 'There is no such page.');
  const [id, what, delivery, action, ...rest] = segs;
  if (id === undefined) {
    methods(method, ['GET', 'HEAD']);
    return { view: 'subscriptions', query };
  }
  if (id === 'new' && what === undefined) {
    methods(method, ['GET', 'HEAD', 'POST']);
    return { view: 'newSubscription', query };
  }
  if (!validUuid(id) || rest.length > 0) throw none();
  if (what === undefined) {
    methods(method, ['GET', 'HEAD']);
    return { view: 'subscription', id: id.toLowerCase(), query };
  }
  if (what === 'delete' && delivery === undefined) {
    methods(method, ['POST']);
    return { view: 'deleteSubscription', id: id.toLowerCase(), query };
  }
  if (what === 'enabled' && delivery === undefined) {
    methods(method, ['POST']);
    return { view: 'enableSubscription', id: id.toLowerCase(), query };
  }
  if (what === 'deliveries' && delivery !== undefined && validUuid(delivery) && action === 'redeliver') {
    methods(method, ['POST']);
    return { view: 'redeliver', id: id.toLowerCase(), delivery: delivery.toLowerCase(), query };
  }
  throw none();
}

export interface ListQuery {
  namespace: string | undefined;
  status: StatusFilter | undefined;
  name: string | undefined;
  before: { createTime: string; id: string } | undefined;
  pageSize: number;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export function parseListQuery(q: URLSearchParams): ListQuery {
  const namespace = q.get('namespace')?.trim() || undefined;
  if (namespace !== undefined && !NAMESPACE_RE.test(namespace)) throw new HttpError(400, `"${namespace}" is not a namespace name`);
  const statusText = q.get('status') || undefined;
  if (statusText !== undefined && !Object.hasOwn(STATUS_FILTERS, statusText)) {
    throw new HttpError(400, `status must be one of ${Object.keys(STATUS_FILTERS).join(', ')}`);
  }
  const name = q.get('name')?.trim() || undefined;
  if (name !== undefined && name.length > 253) throw new HttpError(400, 'name is longer than 253 characters');
  const sizeText = q.get('page_size');
  let pageSize = DEFAULT_PAGE_SIZE;
  if (sizeText) {
    pageSize = Number(sizeText);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw new HttpError(400, `page_size must be 1 to ${MAX_PAGE_SIZE}`);
  }
  const beforeText = q.get('before') || undefined;
  return { namespace, status: statusText as StatusFilter | undefined, name, pageSize, before: beforeText ? decodeCursor(beforeText) : undefined };
}

/** `<create_time as Postgres prints it>|<result id>`, base64url: just a position, not a secret. */
export function encodeCursor(c: { createTime: string; id: string }): string {
  return Buffer.from(`${c.createTime}|${c.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string): { createTime: string; id: string } {
  const bad = () => new HttpError(400, 'the "before" position is not valid; start again from the first page');
  if (text.length > 200 || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad();
  const [createTime, id, ...rest] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || !createTime || !id || !UUID_RE.test(id) || !/^\d{4}-\d\d-\d\d[ T][\d:.]+(?:[+-]\d\d(?::?\d\d)?|Z)$/.test(createTime)) throw bad();
  if (!Number.isFinite(Date.parse(createTime.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')))) throw bad();
  return { createTime, id };
}
