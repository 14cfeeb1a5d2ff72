/**
 * The timeline paths → which run. Pure. Segments are percent-decoded once, then checked:
 *   GET /v1/namespaces/{ns}/pipelineruns/{name}/timeline   (?uid= picks one of several runs of that name)
 *   GET /v1/namespaces/{ns}/taskruns/{name}/timeline
 *   GET /v1/results/{ns}/{result}/timeline
 */
import { HttpError } from '../../shared/http/problem.js';
import { NAMESPACE_RE, validUuid } from '../../shared/names.js';
import type { TimelineQuery } from '../../shared/store/runTimeline.js';
import { DEFAULT_MAX_EVENTS } from '../../shared/store/runTimeline.js';

const RUNS_RE = /^\/v1\/namespaces\/([^/]+)\/(pipelineruns|taskruns)\/([^/]+)\/timeline\/?$/;
const RESULT_RE = /^\/v1\/results\/([^/]+)\/([^/]+)\/timeline\/?$/;

/** A Kubernetes object name: an RFC 1123 subdomain. */
const OBJECT_NAME_RE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A Result name: the run uid it is named after (and what a Results install may use). */
const RESULT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** Whether `path` is one of the timeline paths (the local server routes on it). */
export function isTimelinePath(path: string): boolean {
  return RUNS_RE.test(path) || RESULT_RE.test(path);
}

function decode(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `${what} has malformed percent-encoding`);
  }
}

function namespace(raw: string): string {
  const ns = decode(raw, 'namespace');
  if (!NAMESPACE_RE.test(ns)) throw new HttpError(400, `namespace "${ns}" is not a valid namespace name`);
  return ns;
}

export interface TimelineRequest {
  query: TimelineQuery;
  maxEvents: number;
  /** How a 404 names what was asked for. */
  describe: string;
}

function maxEvents(q: URLSearchParams): number {
  const v = q.get('max_events');
  if (v === null || v === '') return DEFAULT_MAX_EVENTS;
  if (!/^\d{1,6}$/.test(v) || Number(v) < 1 || Number(v) > DEFAULT_MAX_EVENTS) {
    throw new HttpError(400, `max_events must be a whole number from 1 to ${DEFAULT_MAX_EVENTS}`);
  }
  return Number(v);
}

/** undefined: not a timeline path. */
export function matchTimeline(method: string, path: string, q: URLSearchParams): TimelineRequest | undefined {
  const run = RUNS_RE.exec(path);
  const res = run ? undefined : RESULT_RE.exec(path);
  if (!run && !res) return undefined;
  if (method !== 'GET') {
    throw new HttpError(405, `method ${method} is not allowed here; use GET`, { headers: { allow: 'GET' } });
  }
  if (run) {
    const ns = namespace(run[1]!);
    const kind = run[2] === 'pipelineruns' ? 'PipelineRun' : 'TaskRun';
    const name = decode(run[3]!, 'name');
    if (!OBJECT_NAME_RE.test(name)) throw new HttpError(400, `"${name}" is not a valid ${kind} name`);
    const uid = q.get('uid') ?? undefined;
    if (uid !== undefined && !validUuid(uid)) throw new HttpError(400, `uid "${uid}" is not a UUID`);
    const describe = `${kind} "${name}"${uid ? ` with uid ${uid}` : ''} in namespace "${ns}"`;
    return { query: { namespace: ns, kind, name, uid }, maxEvents: maxEvents(q), describe };
  }
  const ns = namespace(res![1]!);
  const result = decode(res![2]!, 'result');
  if (!RESULT_NAME_RE.test(result)) throw new HttpError(400, `result "${result}" is not a valid name`);
  return { query: { namespace: ns, result }, maxEvents: maxEvents(q), describe: `result ${ns}/results/${result}` };
}
