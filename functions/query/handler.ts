/**
 * The query function: Tekton Results' read API over the event store (SPEC §5).
 */
import type pg from 'pg';
import { json, withProblems, type Handler } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';
import { callerToken } from '../../shared/http/auth.js';
import { unavailableOr } from '../../shared/http/unavailable.js';
import { listResults, getResult, deleteResult } from '../../shared/store/queryResults.js';
import { listRecords, getRecord } from '../../shared/store/queryRecords.js';
import type { ListOptions } from '../../shared/store/listing.js';
import { matchRoute, type Route } from './routes.js';
import { parseListParams } from './params.js';
import { namespacesOf, type Authorizer, type Resource, type Verb } from './access.js';
import { type PageTokens } from './pageToken.js';
import { compileFilter } from '../../shared/filter/sql.js';
import { renderRecord, renderResult } from './render.js';

export interface QueryDeps {
  pool: pg.Pool;
  authorizer: Authorizer;
  pageTokens: PageTokens;
}

const RESOURCE: Record<Route['op'], Resource> = {
  listResults: 'results',
  getResult: 'results',
  deleteResult: 'results',
  listRecords: 'records',
  getRecord: 'records',
};

const VERB: Record<Route['op'], Verb> = {
  listResults: 'list',
  getResult: 'get',
  deleteResult: 'delete',
  listRecords: 'list',
  getRecord: 'get',
};

export function createQueryHandler(deps: QueryDeps): Handler {
  const { pool, authorizer, pageTokens } = deps;

  async function list(route: Route & { op: 'listResults' | 'listRecords' }, q: URLSearchParams, scopeNs: string[] | null) {
    const params = parseListParams(q);
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
    const withToken = (body: Record<string, unknown>, next: ListOptions['cursor']) => {
      if (next) body['next_page_token'] = pageTokens.encode(scope, next);
      return json(200, body);
    };
    if (route.op === 'listResults') {
      const page = await listResults(pool, opts);
      return withToken({ results: page.items.map(renderResult) }, page.next);
    }
    if (route.result !== '-' && route.parent !== '-' && !(await getResult(pool, route.parent, route.result))) {
      throw new HttpError(404, `result ${route.parent}/results/${route.result} not found`);
    }
    const page = await listRecords(pool, { resultName: route.result === '-' ? null : route.result }, opts);
    return withToken({ records: page.items.map(renderRecord) }, page.next);
  }

  return withProblems(async (req) => {
    const route = matchRoute(req.method, req.path);
    if (!route) throw new HttpError(404, `no such API path: ${req.path}`);
    const scope = await authorizer.authorize(callerToken(req, false), route.parent, VERB[route.op], RESOURCE[route.op]);
    try {
      switch (route.op) {
        case 'listResults':
        case 'listRecords':
          return await list(route, req.query, namespacesOf(scope, route.parent));
        case 'getResult': {
          const row = await getResult(pool, route.parent, route.result);
          if (!row) throw new HttpError(404, `result ${route.parent}/results/${route.result} not found`);
          return json(200, renderResult(row));
        }
        case 'deleteResult': {
          if (!(await deleteResult(pool, route.parent, route.result))) {
            throw new HttpError(404, `result ${route.parent}/results/${route.result} not found`);
          }
          return json(200, {});
        }
        case 'getRecord': {
          const row = await getRecord(pool, route.parent, route.result, route.record);
          if (!row) throw new HttpError(404, `record ${route.parent}/results/${route.result}/records/${route.record} not found`);
          return json(200, renderRecord(row));
        }
      }
    } catch (err) {
      throw unavailableOr(err, 'retry later', 2);
    }
  });
}
