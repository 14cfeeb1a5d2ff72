/**
 * `GET …/results/{result}/records/summary`: the parameters of Results' GetRecordListSummary
 * (`summary`, `group_by`, `order_by`, `filter`), checked, then one aggregate query. As in
 * Results, it counts run records: `filter` reads a run record's fields (shared/filter/runFields.ts).
 */
import type pg from 'pg';
import { HttpError } from '../../shared/http/problem.js';
import { AGGREGATES, groupExpression, summarizeRecords } from '../../shared/store/recordSummary.js';
import { compileRunFilter } from '../../shared/filter/recordFilters.js';
import { single } from './params.js';

export async function recordsSummary(
  pool: pg.ClientBase | pg.Pool,
  q: URLSearchParams,
  namespaces: string[] | null,
  resultName: string | null,
): Promise<{ summary: Record<string, unknown>[] }> {
  const wanted = (single(q, 'summary') ?? '').split(',').map((s) => s.trim());
  const aggregates = wanted.length === 1 && wanted[0] === '' ? ['total'] : wanted;
  const unknown = aggregates.find((a) => !Object.hasOwn(AGGREGATES, a));
  if (unknown !== undefined) {
    throw new HttpError(400, `invalid aggregate query: "${unknown}"; known: ${Object.keys(AGGREGATES).join(', ')}`);
  }
  const rawGroup = (single(q, 'group_by') ?? '').trim();
  let group: string | undefined;
  if (rawGroup !== '') {
    group = groupExpression(rawGroup);
    if (!group) {
      const what = rawGroup.split(/\s+/)[0];
      if (what === 'pipeline' || what === 'repository') {
        throw new HttpError(501, `group_by ${what} is not served: the event store keeps no ${what} labels`);
      }
      throw new HttpError(400, `group_by does not recognise "${rawGroup}": use namespace, or year|month|week|day|hour|minute [startTime|completionTime]`);
    }
  }
  const rawOrder = (single(q, 'order_by') ?? '').trim();
  let order: { aggregate: string; direction: 'asc' | 'desc' } | undefined;
  // As in Results, an order only applies to grouped answers, and names a requested aggregate.
  if (rawOrder !== '' && group) {
    const m = /^(asc|desc)\s+([a-z_]+)$/i.exec(rawOrder);
    if (!m || !aggregates.includes(m[2]!)) {
      throw new HttpError(400, `order_by "${rawOrder}" must be "asc <aggregate>" or "desc <aggregate>" naming one of summary=${aggregates.join(',')}`);
    }
    order = { aggregate: m[2]!, direction: m[1]!.toLowerCase() as 'asc' | 'desc' };
  }
  // Results aggregates over run records: the filter reads theirs (data_type, data.metadata.*, status).
  const filter = compileRunFilter((single(q, 'filter') ?? '').trim());
  const summary = await summarizeRecords(pool, { namespaces, resultName, filter, aggregates: [...new Set(aggregates)], group, order });
  return { summary };
}
