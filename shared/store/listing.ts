/**
 * What every list query shares: order (a constant column and direction, never input spliced
 * into SQL), keyset cursor, and the namespaces a caller may see.
 */
/** summary.* order results only (by their run's start or end; runs without one come last). */
export type OrderColumn = 'create_time' | 'update_time' | 'summary.start_time' | 'summary.end_time';
export type OrderDirection = 'asc' | 'desc';

export interface Order {
  column: OrderColumn;
  direction: OrderDirection;
}

/** A records list holds two kinds of record per `records` row (listRecordEntries.ts). */
export type RecordKind = 'eventList' | 'run';

/** The last row of a page: the next page starts after it. */
export interface Cursor {
  /** the order column's value, as Postgres printed it (exact, microseconds included) */
  sortValue: string;
  id: string;
  /** in a records list, which record of the row was last */
  kind?: RecordKind;
  /** the next page starts at the row itself (a later record of the same row), not after it */
  inclusive?: boolean;
}

export interface ListOptions {
  /** null: every namespace */
  namespaces: string[] | null;
  /** a compiled filter: adds its parameters to the Where and returns its condition */
  filter?: ((w: Where) => string) | undefined;
  order: Order;
  cursor: Cursor | null;
  pageSize: number;
}

/** Timestamps as RFC 3339 in UTC with microseconds, as protobuf JSON writes them. */
export const rfc3339 = (col: string): string => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

function orderColumn(alias: string, order: Order): string {
  if (order.column === 'summary.start_time' || order.column === 'summary.end_time') {
    // A result without the time sorts last either way: ±infinity keeps the keyset a plain row comparison.
    const key = order.column === 'summary.start_time' ? 'start_time' : 'end_time';
    return `coalesce((${alias}.summary->>'${key}')::timestamptz, '${order.direction === 'asc' ? 'infinity' : '-infinity'}'::timestamptz)`;
  }
  return order.column === 'create_time' ? `${alias}.create_time` : `${alias}.update_time`;
}

/** ORDER BY for `alias`: only the constant names above reach the SQL text. */
export function orderBy(alias: string, order: Order): string {
  const dir = order.direction === 'asc' ? 'asc' : 'desc';
  return `${orderColumn(alias, order)} ${dir}, ${alias}.id ${dir}`;
}

/**
 * The sort value of a records list as fixed-width UTC text: exact for the cursor, and ordered as
 * the times are when compared as strings, so two lists' pages can be merged (listRecordEntries.ts).
 * create_time and update_time are never null nor infinite.
 */
export function recordSortValue(alias: string, order: Order): string {
  return `to_char(${orderColumn(alias, order)} at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US"+00"')`;
}

/** The sort value as exact text, for the cursor. */
export function sortValue(alias: string, order: Order): string {
  return `${orderColumn(alias, order)}::text`;
}

export interface Page<T> {
  items: T[];
  next: Cursor | null;
}

/** Rows fetched with limit pageSize + 1: the extra row only says another page exists. */
export function toPage<T extends { sort_value: string; id: string }>(rows: T[], pageSize: number): Page<T> {
  if (rows.length <= pageSize) return { items: rows, next: null };
  const items = rows.slice(0, pageSize);
  const last = items[items.length - 1]!;
  return { items, next: { sortValue: last.sort_value, id: last.id } };
}

/**
 * Builds a WHERE clause from constant SQL fragments and parameter values, so a list query only
 * carries the conditions it needs (and the planner can use the keyset index). `add` gets the
 * next parameter numbers; input never reaches the SQL text.
 */
export class Where {
  readonly values: unknown[] = [];
  private readonly parts: string[] = [];

  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  add(fragment: string): void {
    this.parts.push(fragment);
  }

  sql(): string {
    return this.parts.length === 0 ? '' : `where ${this.parts.join(' and ')}`;
  }
}

/** Adds the filter and the "after the cursor" condition (keyset pagination); returns the ORDER BY. */
export function keyset(w: Where, alias: string, opts: ListOptions): string {
  if (opts.filter) w.add(opts.filter(w));
  if (opts.cursor) {
    const cmp = (opts.order.direction === 'asc' ? '>' : '<') + (opts.cursor.inclusive ? '=' : '');
    const a = w.param(opts.cursor.sortValue);
    const b = w.param(opts.cursor.id);
    w.add(`(${orderColumn(alias, opts.order)}, ${alias}.id) ${cmp} (${a}::timestamptz, ${b}::uuid)`);
  }
  return orderBy(alias, opts.order);
}

/**
 * `column` is one of the namespaces. One namespace is written as `=`, not `= any(array)`: only
 * then does the planner walk a (parent, create_time) index in page order instead of filtering
 * every namespace's rows out of the create_time index (docs/benchmarks.md, read path).
 */
export function inNamespaces(w: Where, column: string, namespaces: string[]): string {
  return namespaces.length === 1 ? `${column} = ${w.param(namespaces[0])}::text` : `${column} = any(${w.param(namespaces)}::text[])`;
}
