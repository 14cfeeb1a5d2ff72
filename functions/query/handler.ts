/**
 * The query function: Tekton Results' read API over the event store (SPEC §5).
 */
import type pg from 'pg';
import { json, withProblems, type Handler } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';
import { callerOf } from '../../shared/http/caller.js';
import { unavailableOr } from '../../shared/http/unavailable.js';
import { listResults, getResult, deleteResult } from '../../shared/store/queryResults.js';
import { listRecords, getRecord } from '../../shared/store/queryRecords.js';
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

export function createQueryHandler(deps: QueryDeps): Handler {
  const { pool, authorizer, pageTokens } = deps;

  async function list(route: Route & { op: 'listResults' | 'listRecords' }, q: URLSearchParams, scopeNs: string[] | null, mask: FieldMask | undefined) {
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
    const withToken = (body: Record<string, unknown>, next: ListOptions['cursor']) => {
      if (next) body['next_page_token'] = pageTokens.encode(scope, next);
      return json(200, applyFields(body, mask));
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
    const scope = await authorizer.authorize(callerOf(req), route.parent, VERB[route.op], RESOURCE[route.op]);
    const mask = parseFields(single(req.query, 'fields'));
    try {
      switch (route.op) {
        case 'listResults':
        case 'listRecords':
          return await list(route, req.query, namespacesOf(scope, route.parent), mask);
        case 'summarizeRecords':
          return json(200, applyFields(await recordsSummary(pool, req.query, namespacesOf(scope, route.parent), route.result === '-' ? null : route.result), mask));
        case 'getResult': {
          const row = await getResult(pool, route.parent, route.result);
          if (!row) throw new HttpError(404, `result ${route.parent}/results/${route.result} not found`);
          return json(200, applyFields(renderResult(row), mask));
        }
        case 'deleteResult': {
          if (!(await deleteResult(pool, route.parent, route.result))) {
            throw new HttpError(404, `result ${route.parent}/results/${route.result} not found`);
          }
          return json(200, {});
        }
        case 'getRecord': {
          const row = await getRecord(pool, route.parent, route.result, route.record);
          if (row) return json(200, applyFields(renderRecord(row), mask));
          // Not an EventList id: a run record is named by its run uid.
          const run = await getRunRecord(pool, route.parent, route.result, route.record);
          if (run) return json(200, applyFields(renderRunRecord(run), mask));
          throw new HttpError(404, `record ${route.parent}/results/${route.result}/records/${route.record} not found`);
        }
      }
    } catch (err) {
      throw unavailableOr(err, 'retry later', 2);
    }
  });
}
