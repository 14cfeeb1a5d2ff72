/**
 * The Tekton Results REST paths (SPEC §5) → a route. Pure. Segments are percent-decoded once,
 * then checked: a parent is a namespace or `-`; result and record names are single segments.
 */
import { HttpError } from '../../shared/http/problem.js';
import { NAMESPACE_RE } from '../../shared/names.js';

export const API_PREFIX = '/apis/results.tekton.dev/v1alpha2/parents/';

export type Route =
  | { op: 'listResults'; parent: string }
  | { op: 'getResult' | 'deleteResult'; parent: string; result: string }
  | { op: 'listRecords'; parent: string; result: string }
  | { op: 'summarizeRecords'; parent: string; result: string }
  | { op: 'getRecord'; parent: string; result: string; record: string };

/** Result and record names: what Kubernetes uids and UUIDs are made of, and `-`. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$|^-$/;

function decode(segment: string, what: string): string {
  let v: string;
  try {
    v = decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `${what} has malformed percent-encoding`);
  }
  return v;
}

function checkParent(p: string): string {
  if (p !== '-' && !NAMESPACE_RE.test(p)) throw new HttpError(400, `parent "${p}" is not a namespace name or "-"`);
  return p;
}

function checkName(v: string, what: string): string {
  if (!NAME_RE.test(v)) throw new HttpError(400, `${what} "${v}" is not a valid name`);
  return v;
}

/** undefined: not a query API path at all. */
export function matchRoute(method: string, path: string): Route | undefined {
  if (!path.startsWith(API_PREFIX)) return undefined;
  const segs = path.slice(API_PREFIX.length).split('/');
  if (segs[segs.length - 1] === '') segs.pop();
  const [p, r1, result, r2, record, ...rest] = segs.map((s, i) => decode(s, `path segment ${i + 1}`));
  if (p === undefined || r1 !== 'results' || rest.length > 0 || (r2 !== undefined && r2 !== 'records')) {
    throw new HttpError(404, `no such API path: ${path}`);
  }
  const parent = checkParent(p);
  const allowed = (ops: string) => {
    throw new HttpError(405, `method ${method} is not allowed here; use ${ops}`, { headers: { allow: ops } });
  };
  if (result === undefined) {
    if (method !== 'GET') allowed('GET');
    return { op: 'listResults', parent };
  }
  checkName(result, 'result');
  if (r2 === undefined) {
    if (result === '-') throw new HttpError(400, 'result "-" only stands for every result when listing records');
    if (method === 'GET') return { op: 'getResult', parent, result };
    if (method === 'DELETE') return { op: 'deleteResult', parent, result };
    return allowed('GET, DELETE');
  }
  if (record === undefined) {
    if (method !== 'GET') allowed('GET');
    return { op: 'listRecords', parent, result };
  }
  checkName(record, 'record');
  if (method !== 'GET') allowed('GET');
  // Results' GetRecordListSummary: `summary` is never a record id (ids are UUIDs).
  if (record === 'summary') return { op: 'summarizeRecords', parent, result };
  if (parent === '-' || result === '-' || record === '-') {
    throw new HttpError(400, '"-" stands for every parent or result only in list calls');
  }
  return { op: 'getRecord', parent, result, record };
}
