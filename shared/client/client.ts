/**
 * The one typed HTTP client of the API: the Results-shaped calls (results, records) and the
 * run timelines. The CLI and the tests use it, so they see the API exactly as users do.
 * Every failure is an ApiError: a problem+json answer with its status and message, or no
 * answer at all (`unreachable`, `timeout`).
 */
import { ApiError } from './apiError.js';
import type {
  CreatedSubscription,
  EventList,
  ListOptions,
  NewSubscription,
  RecordPage,
  Result,
  ResultPage,
  ResultRecord,
  RunKind,
  SubscriptionPage,
  Timeline,
} from './types.js';

export const RESULTS_PREFIX = '/apis/results.tekton.dev/v1alpha2/parents';
const SUBSCRIPTIONS_PATH = '/v1/subscriptions';

export interface ClientOptions {
  /** The server's base URL, e.g. http://127.0.0.1:8080 (a path prefix is kept). */
  server: string;
  /** A query token, sent as `Authorization: Bearer`. */
  token?: string | undefined;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  /** For tests and custom transports. */
  fetch?: typeof fetch;
}

export interface TimelineOptions {
  /** Picks one of several runs of the same name. */
  uid?: string | undefined;
  /** At most this many Events (the server's own cap is the default). */
  maxEvents?: number | undefined;
}

const seg = (s: string) => encodeURIComponent(s);

function listQuery(o: ListOptions): Record<string, string | undefined> {
  return { filter: o.filter, page_size: o.pageSize?.toString(), page_token: o.pageToken, order_by: o.orderBy };
}

export class EventsClient {
  private readonly base: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(opts: ClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.server);
    } catch {
      throw new ApiError(0, 'invalid_argument', `the server "${opts.server}" is not a URL (e.g. http://127.0.0.1:8080)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ApiError(0, 'invalid_argument', `the server "${opts.server}" must be an http:// or https:// URL`);
    this.base = url.toString().replace(/\/+$/, '');
    this.token = opts.token;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.fetchFn = opts.fetch ?? fetch;
  }

  listResults(parent: string, opts: ListOptions = {}): Promise<ResultPage> {
    return this.get(`${RESULTS_PREFIX}/${seg(parent)}/results`, listQuery(opts));
  }

  getResult(parent: string, result: string): Promise<Result> {
    return this.get(`${RESULTS_PREFIX}/${seg(parent)}/results/${seg(result)}`);
  }

  deleteResult(parent: string, result: string): Promise<void> {
    return this.request('DELETE', `${RESULTS_PREFIX}/${seg(parent)}/results/${seg(result)}`).then(() => undefined);
  }

  listRecords(parent: string, result: string, opts: ListOptions = {}): Promise<RecordPage> {
    return this.get(`${RESULTS_PREFIX}/${seg(parent)}/results/${seg(result)}/records`, listQuery(opts));
  }

  getRecord(parent: string, result: string, record: string): Promise<ResultRecord> {
    return this.get(`${RESULTS_PREFIX}/${seg(parent)}/results/${seg(result)}/records/${seg(record)}`);
  }

  /** The timeline of the newest PipelineRun or TaskRun of that name (or the one with `uid`). */
  timeline(namespace: string, kind: RunKind, name: string, opts: TimelineOptions = {}): Promise<Timeline> {
    const plural = kind === 'PipelineRun' ? 'pipelineruns' : 'taskruns';
    return this.get(`/v1/namespaces/${seg(namespace)}/${plural}/${seg(name)}/timeline`, { uid: opts.uid, max_events: opts.maxEvents?.toString() });
  }

  /** The timeline of a Result's run. */
  resultTimeline(namespace: string, result: string, opts: Omit<TimelineOptions, 'uid'> = {}): Promise<Timeline> {
    return this.get(`/v1/results/${seg(namespace)}/${seg(result)}/timeline`, { max_events: opts.maxEvents?.toString() });
  }

  /**
   * Creates a webhook subscription. The server first runs the CloudEvents webhook handshake
   * against `url`; a refusal is an ApiError `invalid_argument` carrying the server's reason.
   * Fields left undefined are not sent (the server's defaults apply).
   */
  createSubscription(sub: NewSubscription): Promise<CreatedSubscription> {
    const body = Object.fromEntries(Object.entries(sub).filter(([, v]) => v !== undefined));
    return this.request('POST', SUBSCRIPTIONS_PATH, {}, body) as Promise<CreatedSubscription>;
  }

  /** One page of the subscriptions the token may see. */
  listSubscriptions(opts: { pageSize?: number | undefined; pageToken?: string | undefined } = {}): Promise<SubscriptionPage> {
    return this.get(SUBSCRIPTIONS_PATH, { page_size: opts.pageSize?.toString(), page_token: opts.pageToken });
  }

  deleteSubscription(id: string): Promise<void> {
    return this.request('DELETE', `${SUBSCRIPTIONS_PATH}/${seg(id)}`).then(() => undefined);
  }

  private async get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    return (await this.request('GET', path, query)) as T;
  }

  private async request(method: string, path: string, query: Record<string, string | undefined> = {}, json?: unknown): Promise<unknown> {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    if (json !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetchFn(url, { method, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}), signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const e = err as Error;
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new ApiError(0, 'timeout', `${this.base} did not answer within ${Math.round(this.timeoutMs / 1000)} s`, { cause: err });
      }
      const cause = e.cause as { code?: string; message?: string } | undefined;
      const why = cause?.code ?? cause?.message ?? e.message;
      throw new ApiError(0, 'unreachable', `cannot reach ${this.base} (${why})`, { cause: err });
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const p = (body ?? {}) as { detail?: unknown; message?: unknown; code?: unknown };
      const message = typeof p.detail === 'string' ? p.detail : typeof p.message === 'string' ? p.message : `HTTP ${res.status} ${res.statusText}`.trim();
      const retry = Number(res.headers.get('retry-after') ?? NaN);
      throw ApiError.fromStatus(res.status, message, {
        ...(typeof p.code === 'number' ? { grpcCode: p.code } : {}),
        ...(Number.isFinite(retry) ? { retryAfter: retry } : {}),
      });
    }
    if (text && body === undefined) throw new ApiError(res.status, 'bad_response', `${url.pathname} answered ${res.status} with a body that is not JSON`);
    return body;
  }
}

/** The EventList a record holds (its `data.value` is base64 of the JSON). */
export function decodeEventList(record: ResultRecord): EventList {
  return JSON.parse(Buffer.from(record.data.value, 'base64').toString('utf8')) as EventList;
}
