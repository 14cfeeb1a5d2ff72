/**
 * The query function: Tekton Results' read API over the event store (SPEC §5).
 *
 * Every request's database work runs on one checked-out connection of the query pool, bounded
 * by QUERY_TIMEOUT_MS (the pool's statement_timeout) and cancelled in Postgres when the client
 * goes away. A records page is bounded by MAX_PAGE_BYTES as well as by page_size, and a large
 * one is streamed (see recordsPage.ts).
 */
import type pg from 'pg';
import { json, withProblems, type CoreResponse, type Handler } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';
import { callerOf } from '../../shared/http/caller.js';
import { unavailableOr } from '../../shared/http/unavailable.js';
import { classifyPgError } from '../../shared/db/errors.js';
import { checkout, CLIENT_TIMEOUT_MESSAGE } from '../../shared/db/pool.js';
import { listResults, getResult, deleteResult } from '../../shared/store/queryResults.js';
import { getRecord } from '../../shared/store/queryRecords.js';
import type { ListOptions } from '../../shared/store/listing.js';
import { matchRoute, type Route } from './routes.js';
import { parseListParams, single } from './params.js';
import { applyFields, parseFields, type FieldMask } from './fieldMask.js';
import { namespacesOf, type Authorizer, type Resource, type Verb } from './access.js';
import { type PageTokens } from './pageToken.js';
import { compileFilter } from '../../shared/filter/sql.js';
import { renderRecord, renderResult, renderRunRecord } from './render.js';
import { getRunRecord } from '../../shared/store/queryRunRecords.js';
import { recordsSummary } from './summary.js';
import { recordsPage } from './recordsPage.js';
import { coreEventList, recordFormat } from './coreEvents.js';

export interface QueryLimits {
  /** The query pool's statement_timeout, named in the answer when a query runs over it. */
  queryTimeoutMs: number;
  maxPageBytes: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { queryTimeoutMs: 5_000, maxPageBytes: 4 * 1024 * 1024 };

export interface QueryDeps {
  pool: pg.Pool;
  authorizer: Authorizer;
  pageTokens: PageTokens;
  limits?: Partial<QueryLimits>;
}

const RESOURCE: Record<Route['op'], Resource> = {
  listResults: 'results',
  getResult: 'results',
  deleteResult: 'results',
  listRecords: 'records',
  summarizeRecords: 'records',
  getRecord: 'records',
};

const VERB: Record<Route['op'], Verb> = {
  listResults: 'list',
  getResult: 'get',
  deleteResult: 'delete',
  listRecords: 'list',
  summarizeRecords: 'get',
  getRecord: 'get',
};

/** Answers are per caller and change with every append: no cache may keep one. */
const NO_STORE = { 'cache-control': 'no-store' };

/** The answer for a query that ran over its time: 503 (it may pass when the database is less busy) naming the limit. */
function tooSlow(err: unknown, limits: QueryLimits): HttpError | undefined {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : '';
  const serverTimeout = e?.code === '57014' && /statement timeout/.test(message);
  if (!serverTimeout && message !== CLIENT_TIMEOUT_MESSAGE) return undefined;
  return new HttpError(
    503,
    `the query ran longer than the limit of ${limits.queryTimeoutMs} ms (QUERY_TIMEOUT_MS) and was stopped; narrow the filter or lower page_size, or retry later`,
    { headers: { 'retry-after': '5' }, cause: err },
  );
}

export function createQueryHandler(deps: QueryDeps): Handler {
  const { pool, authorizer, pageTokens } = deps;
  const limits: QueryLimits = { ...DEFAULT_QUERY_LIMITS, ...deps.limits };

  async function list(
    db: pg.ClientBase,
    route: Route & { op: 'listResults' | 'listRecords' },
    q: URLSearchParams,
    scopeNs: string[] | null,
    mask: FieldMask | undefined,
    signal?: AbortSignal,
  ) {
    const params = parseListParams(q);
    if (route.op === 'listRecords' && params.order.column.startsWith('summary.')) {
      throw new HttpError(400, `order_by ${params.order.column} orders results; records order by create_time or update_time`);
    }
    const filter = compileFilter(params.filter, route.op === 'listResults' ? 'results' : 'records');
    const result = route.op === 'listRecords' ? route.result : '';
    const scope = [route.op, route.parent, result, params.filter, params.order.column, params.order.direction].join('\n');
    const opts: ListOptions = {
      namespaces: scopeNs,
      order: params.order,
      cursor: params.pageToken ? pageTokens.decode(scope, params.pageToken) : null,
      pageSize: params.pageSize,
      filter,
    };
    const token = (next: ListOptions['cursor']) => (next ? pageTokens.encode(scope, next) : undefined);
    if (route.op === 'listResults') {
      const page = await listResults(db, opts);
      const body: Record<string, unknown> = { results: page.items.map(renderResult) };
      const next = token(page.next);
      if (next) body['next_page_token'] = next;
      return json(200, applyFields(body, mask));
    }
    if (route.result !== '-' && route.parent !== '-' && !(await getResult(db, route.parent, route.result))) {
      throw new HttpError(404, `result ${route.parent}/results/${route.result} not found`);
    }
    return recordsPage({ db, pool, signal, mask, maxPageBytes: limits.maxPageBytes, scope: { resultName: route.result === '-' ? null : route.result }, opts, token });
  }

  async function run(route: Route, req: Parameters<Handler>[0], scopeNs: string[] | null, mask: FieldMask | undefined): Promise<CoreResponse> {
    return checkout(
      pool,
      async (db) => {
        switch (route.op) {
          case 'listResults':
          case 'listRecords':
            return list(db, route, req.query, scopeNs, mask, req.signal);
          case 'summarizeRecords':
            return json(200, applyFields(await recordsSummary(db, req.query, scopeNs, route.result === '-' ? null : route.result), mask));
          case 'getResult': {
            const row = await getResult(db, route.parent, route.result);
            if (!row) throw new HttpError(404, `result ${route.parent}/results/${route.result} not found`);
            return json(200, applyFields(renderResult(row), mask));
          }
          case 'deleteResult':
            throw new Error('deleteResult runs in remove()');
          case 'getRecord': {
            const format = recordFormat(req.query);
            const row = await getRecord(db, route.parent, route.result, route.record);
            if (row) return json(200, applyFields(renderRecord(format === 'corev1' ? { ...row, data: coreEventList(row.data) } : row), mask));
            // Not an EventList id: a run record is named by its run uid.
            const runRecord = await getRunRecord(db, route.parent, route.result, route.record);
            if (runRecord && format === 'corev1') throw new HttpError(400, 'format=corev1 applies to EventList records; this is a run record');
            if (runRecord) return json(200, applyFields(renderRunRecord(runRecord), mask));
            throw new HttpError(404, `record ${route.parent}/results/${route.result}/records/${route.record} not found`);
          }
        }
      },
      req.signal,
    );
  }

  async function remove(route: { parent: string; result: string }, signal?: AbortSignal): Promise<CoreResponse> {
    try {
      if (!(await checkout(pool, (db) => deleteResult(db, route.parent, route.result), signal))) {
        throw new HttpError(404, `result ${route.parent}/results/${route.result} not found`);
      }
    } catch (err) {
      // Deadlocks with appends of the same result's runs, after deleteResult's own retries.
      if (classifyPgError(err) === 'conflict') {
        throw new HttpError(409, `result ${route.parent}/results/${route.result} is being written to (its runs are still sending events); delete it again once they are done`, { cause: err });
      }
      throw err;
    }
    return json(200, {});
  }

  const handle = withProblems(async (req) => {
    const route = matchRoute(req.method, req.path);
    if (!route) throw new HttpError(404, `no such API path: ${req.path}`);
    const scope = await authorizer.authorize(callerOf(req), route.parent, VERB[route.op], RESOURCE[route.op]);
    const mask = parseFields(single(req.query, 'fields'));
    try {
      return route.op === 'deleteResult' ? await remove(route, req.signal) : await run(route, req, namespacesOf(scope, route.parent), mask);
    } catch (err) {
      if (err instanceof HttpError) throw err;
      // Nobody reads this answer; it only must not be logged as a failure.
      if (req.signal?.aborted) throw new HttpError(408, 'the client went away before the answer was ready');
      throw tooSlow(err, limits) ?? unavailableOr(err, 'retry later', 2);
    }
  });
  return async (req) => {
    const out = await handle(req);
    return { ...out, headers: { ...out.headers, ...NO_STORE } };
  };
}
