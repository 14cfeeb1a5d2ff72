/** List-call query parameters (SPEC §5), validated. */
import { HttpError } from '../../shared/http/problem.js';
import type { Order } from '../../shared/store/listing.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 10_000;

/**
 * grpc-gateway reads a query parameter by its proto name or its JSON name and ignores every
 * parameter it does not know; Results clients rely on both (`pageSize`, `fields`…).
 */
const ALIASES: Record<string, string> = { pageSize: 'page_size', pageToken: 'page_token', orderBy: 'order_by' };

export interface ListParams {
  pageSize: number;
  pageToken: string | undefined;
  order: Order;
  filter: string;
}

/** One parameter, by its proto name or JSON name; given more than once (either way) is a 400. */
export function single(q: URLSearchParams, name: string): string | undefined {
  const alias = Object.keys(ALIASES).find((a) => ALIASES[a] === name);
  const all = [...q.getAll(name), ...(alias ? q.getAll(alias) : [])];
  if (all.length > 1) throw new HttpError(400, `${name} is given ${all.length} times; give it once`);
  return all[0];
}

export function parseListParams(q: URLSearchParams): ListParams {
  const rawSize = single(q, 'page_size');
  let pageSize = DEFAULT_PAGE_SIZE;
  if (rawSize !== undefined && rawSize !== '') {
    if (!/^\d{1,9}$/.test(rawSize)) throw new HttpError(400, `page_size "${rawSize}" is not a non-negative integer`);
    const n = Number(rawSize);
    if (n > MAX_PAGE_SIZE) throw new HttpError(400, `page_size ${n} is over the maximum of ${MAX_PAGE_SIZE}`);
    // As in Tekton Results, 0 means the default.
    pageSize = n === 0 ? DEFAULT_PAGE_SIZE : n;
  }
  return {
    pageSize,
    pageToken: single(q, 'page_token') || undefined,
    order: parseOrderBy(single(q, 'order_by')),
    filter: (single(q, 'filter') ?? '').trim(),
  };
}

export function parseOrderBy(raw: string | undefined): Order {
  if (raw === undefined || raw.trim() === '') return { column: 'create_time', direction: 'asc' };
  const m = /^\s*(create_time|update_time|summary\.start_time|summary\.end_time)(?:\s+(asc|desc))?\s*$/i.exec(raw);
  if (!m) {
    throw new HttpError(400, `order_by "${raw}" is not supported: use create_time, update_time (or, for results, summary.start_time or summary.end_time), optionally followed by asc or desc`);
  }
  return {
    column: m[1]!.toLowerCase() as Order['column'],
    direction: (m[2]?.toLowerCase() ?? 'asc') as Order['direction'],
  };
}
