/**
 * The subscription paths (`/v1/subscriptions[/{id}[/deliveries[/{id}/redeliver]]]`) → a route.
 * Pure. An id that is not a UUID names nothing: 404, as for an unknown id.
 */
import { HttpError } from '../../shared/http/problem.js';
import { validUuid } from '../../shared/names.js';

export const SUBSCRIPTIONS_PREFIX = '/v1/subscriptions';

export type SubscriptionRoute =
  | { op: 'create' | 'list' }
  | { op: 'get' | 'update' | 'delete' | 'deliveries'; id: string }
  | { op: 'redeliver'; id: string; delivery: string };

function allowed(method: string, ops: string): never {
  throw new HttpError(405, `method ${method} is not allowed here; use ${ops}`, { headers: { allow: ops } });
}

function uuid(segment: string, path: string): string {
  if (!validUuid(segment)) throw new HttpError(404, `no such subscription path: ${path}`);
  return segment.toLowerCase();
}

export function matchSubscriptionRoute(method: string, path: string): SubscriptionRoute | undefined {
  if (path !== SUBSCRIPTIONS_PREFIX && !path.startsWith(`${SUBSCRIPTIONS_PREFIX}/`)) return undefined;
  const segs = path.slice(SUBSCRIPTIONS_PREFIX.length).split('/').slice(1);
  if (segs[segs.length - 1] === '') segs.pop();
  const [id, d, delivery, action, ...rest] = segs;
  if (rest.length > 0) throw new HttpError(404, `no such subscription path: ${path}`);
  if (id === undefined) {
    if (method === 'POST') return { op: 'create' };
    if (method === 'GET') return { op: 'list' };
    return allowed(method, 'GET, POST');
  }
  const sid = uuid(id, path);
  if (d === undefined) {
    if (method === 'GET') return { op: 'get', id: sid };
    if (method === 'PATCH') return { op: 'update', id: sid };
    if (method === 'DELETE') return { op: 'delete', id: sid };
    return allowed(method, 'GET, PATCH, DELETE');
  }
  if (d !== 'deliveries') throw new HttpError(404, `no such subscription path: ${path}`);
  if (delivery === undefined) {
    if (method !== 'GET') allowed(method, 'GET');
    return { op: 'deliveries', id: sid };
  }
  const did = uuid(delivery, path);
  if (action !== 'redeliver') throw new HttpError(404, `no such subscription path: ${path}; POST …/deliveries/{id}/redeliver`);
  if (method !== 'POST') allowed(method, 'POST');
  return { op: 'redeliver', id: sid, delivery: did };
}
