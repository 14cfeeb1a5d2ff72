/**
 * Compiles a parsed filter (parse.ts) into a SQL condition for the results or records list
 * query. Fields map to constant SQL from the tables below; every literal becomes a parameter
 * of the caller's `Where`, so no input ever reaches the SQL text.
 */
import { HttpError } from '../../../shared/http/problem.js';
import { Where } from '../../../shared/store/listing.js';
import { parseFilter, type Node } from './parse.js';

type Type = 'text' | 'time' | 'num' | 'bool' | 'texts';
interface Expr {
  sql: string;
  type: Type;
}
/** `data.items`: a collection, only usable with exists(), size() and [n]. */
interface Items {
  items: true;
}

export type FilterTarget = 'results' | 'records';

/** Item (stored Event) fields, as SQL over a record_events row aliased `$`. */
const ITEM_FIELDS: Record<string, string> = {
  reason: '$.reason',
  type: '$.type',
  note: "($.event->>'note')",
  action: "($.event->>'action')",
  reportingController: "($.event->>'reportingController')",
  reportingInstance: "($.event->>'reportingInstance')",
  'regarding.kind': "($.event->'regarding'->>'kind')",
  'regarding.name': "($.event->'regarding'->>'name')",
  'regarding.fieldPath': "($.event->'regarding'->>'fieldPath')",
  'regarding.taskName': "($.event->'regarding'->>'taskName')",
  'metadata.name': "($.event->'metadata'->>'name')",
};

const TOP_FIELDS: Record<FilterTarget, Record<string, Expr>> = {
  records: {
    data_type: { sql: 'rec.type', type: 'text' },
    create_time: { sql: 'rec.create_time', type: 'time' },
    update_time: { sql: 'rec.update_time', type: 'time' },
  },
  results: {
    create_time: { sql: 'r.create_time', type: 'time' },
    update_time: { sql: 'r.update_time', type: 'time' },
    'summary.status': { sql: "(r.summary->>'status')", type: 'text' },
    'summary.type': { sql: "(r.summary->>'type')", type: 'text' },
    'summary.record': { sql: "(r.summary->>'record')", type: 'text' },
  },
};

/** Results' summary status enum, written bare as in Tekton Results filters. */
const ENUMS = new Set(['SUCCESS', 'FAILURE', 'TIMEOUT', 'CANCELLED', 'UNKNOWN']);

function bad(detail: string): HttpError {
  return new HttpError(400, `filter: ${detail}`);
}

/** `a.b.c` of a select chain rooted at an identifier, or undefined. */
function path(n: Node): string[] | undefined {
  if (n.k === 'ident') return [n.name];
  if (n.k === 'select') {
    const p = path(n.of);
    return p && [...p, n.field];
  }
  return undefined;
}

class Compiler {
  private aliasN = 0;
  constructor(
    private readonly w: Where,
    private readonly target: FilterTarget,
  ) {}

  /** Compiles `n` with `vars` (exists() variables → record_events aliases). */
  expr(n: Node, vars: Map<string, string>): Expr | Items {
    switch (n.k) {
      case 'lit':
        if (n.v === null) throw bad('null is not supported');
        if (typeof n.v === 'string') return { sql: `${this.w.param(n.v)}::text`, type: 'text' };
        if (typeof n.v === 'number') return { sql: `${this.w.param(n.v)}::numeric`, type: 'num' };
        return { sql: n.v ? 'true' : 'false', type: 'bool' };
      case 'list': {
        const items = n.items.map((i) => this.value(i, vars));
        if (items.some((i) => i.type !== 'text')) throw bad('lists may only hold strings');
        return { sql: `array[${items.map((i) => i.sql).join(', ')}]::text[]`, type: 'texts' };
      }
      case 'ident':
      case 'select':
      case 'index':
        return this.field(n, vars);
      case 'not':
        return { sql: `(not ${this.bool(n.of, vars)})`, type: 'bool' };
      case 'call':
        return this.call(n, vars);
      case 'bin':
        return this.binary(n, vars);
    }
  }

  value(n: Node, vars: Map<string, string>): Expr {
    const e = this.expr(n, vars);
    if ('items' in e) throw bad('data.items is a list: use data.items.exists(i, …), size(data.items) or data.items[n]');
    return e;
  }

  bool(n: Node, vars: Map<string, string>): string {
    const e = this.value(n, vars);
    if (e.type !== 'bool') throw bad('expected a condition, got a value');
    return e.sql;
  }

  private item(alias: string, rest: string[]): Expr {
    const sql = ITEM_FIELDS[rest.join('.')];
    if (!sql) throw bad(`unknown item field "${rest.join('.')}"; known: ${Object.keys(ITEM_FIELDS).join(', ')}`);
    return { sql: sql.replaceAll('$', alias), type: 'text' };
  }

  private field(n: Node, vars: Map<string, string>): Expr | Items {
    // data.items[<n>].field: the n-th item in list order.
    if (n.k === 'select' || n.k === 'index') {
      let base: Node = n;
      const rest: string[] = [];
      while (base.k === 'select') {
        rest.unshift(base.field);
        base = base.of;
      }
      if (base.k === 'index') {
        const p = path(base.of);
        if (this.target === 'results' && p?.join('.') === 'annotations' && rest.length === 0) {
          if (base.at.k !== 'lit' || typeof base.at.v !== 'string') throw bad('annotations are indexed by a string key');
          return { sql: `(r.annotations->>${this.w.param(base.at.v)}::text)`, type: 'text' };
        }
        if (this.target !== 'records' || p?.join('.') !== 'data.items') throw bad('only data.items can be indexed');
        if (base.at.k !== 'lit' || typeof base.at.v !== 'number' || !Number.isInteger(base.at.v)) throw bad('an index must be a whole number');
        const a = `i${this.aliasN++}`;
        const col = this.item(a, rest);
        return {
          sql: `(select ${col.sql} from record_events ${a} where ${a}.record_id = rec.id order by ${a}.first_seen, ${a}.event_key offset ${this.w.param(base.at.v)}::int limit 1)`,
          type: 'text',
        };
      }
    }
    const p = path(n);
    if (!p) throw bad('unsupported expression');
    const alias = vars.get(p[0]!);
    if (alias) return this.item(alias, p.slice(1));
    const key = p.join('.');
    if (this.target === 'records' && key === 'data.items') return { items: true };
    if (p[0] === 'annotations' && this.target === 'results' && p.length === 2) {
      return { sql: `(r.annotations->>${this.w.param(p[1])}::text)`, type: 'text' };
    }
    const top = TOP_FIELDS[this.target][key];
    if (top) return top;
    if (p.length === 1 && ENUMS.has(key)) return { sql: `${this.w.param(key)}::text`, type: 'text' };
    throw bad(`unknown field "${key}"; known: ${Object.keys(TOP_FIELDS[this.target]).join(', ')}${this.target === 'records' ? ', data.items' : ', annotations'}`);
  }

  private call(n: Extract<Node, { k: 'call' }>, vars: Map<string, string>): Expr {
    if (n.fn === 'timestamp' && !n.target && n.args.length === 1 && n.args[0]!.k === 'lit' && typeof n.args[0]!.v === 'string') {
      if (Number.isNaN(Date.parse(n.args[0]!.v))) throw bad(`timestamp("${n.args[0]!.v}") is not an RFC 3339 time`);
      return { sql: `${this.w.param(n.args[0]!.v)}::timestamptz`, type: 'time' };
    }
    if (n.fn === 'size') {
      const of = n.target ?? (n.args.length === 1 ? n.args[0]! : undefined);
      if (!of || !('items' in this.expr(of, vars))) throw bad('size() takes data.items');
      return { sql: '(select count(*) from record_events s where s.record_id = rec.id)', type: 'num' };
    }
    if (n.fn === 'exists' && n.target) {
      const on = this.expr(n.target, vars);
      const v = n.args[0];
      if (!('items' in on) || n.args.length !== 2 || v?.k !== 'ident') throw bad('use data.items.exists(i, <condition on i>)');
      const a = `e${this.aliasN++}`;
      const inner = new Map(vars).set(v.name, a);
      return { sql: `exists (select 1 from record_events ${a} where ${a}.record_id = rec.id and ${this.bool(n.args[1]!, inner)})`, type: 'bool' };
    }
    if (['startsWith', 'endsWith', 'contains'].includes(n.fn) && n.target && n.args.length === 1) {
      const s = this.value(n.target, vars);
      const arg = this.value(n.args[0]!, vars);
      if (s.type !== 'text' || arg.type !== 'text') throw bad(`${n.fn}() works on strings`);
      const sql =
        n.fn === 'startsWith'
          ? `starts_with(${s.sql}, ${arg.sql})`
          : n.fn === 'endsWith'
            ? `(right(${s.sql}, length(${arg.sql})) = ${arg.sql})`
            : `(strpos(${s.sql}, ${arg.sql}) > 0)`;
      return { sql, type: 'bool' };
    }
    throw bad(`unsupported function ${n.fn}()`);
  }

  private binary(n: Extract<Node, { k: 'bin' }>, vars: Map<string, string>): Expr {
    if (n.op === '&&' || n.op === '||') {
      return { sql: `(${this.bool(n.l, vars)} ${n.op === '&&' ? 'and' : 'or'} ${this.bool(n.r, vars)})`, type: 'bool' };
    }
    const l = this.value(n.l, vars);
    const r = this.value(n.r, vars);
    if (n.op === 'in') {
      if (l.type !== 'text' || r.type !== 'texts') throw bad('use <string field> in ["a", "b"]');
      return { sql: `(${l.sql} = any(${r.sql}))`, type: 'bool' };
    }
    // A string compared with a time reads as an RFC 3339 time.
    const cast = (e: Expr, other: Expr): Expr => (e.type === 'text' && other.type === 'time' && e.sql.endsWith('::text') ? { sql: e.sql.replace(/::text$/, '::timestamptz'), type: 'time' } : e);
    const a = cast(l, r);
    const b = cast(r, l);
    if (a.type !== b.type || a.type === 'texts') throw bad(`cannot compare ${a.type} with ${b.type}`);
    if (a.type === 'bool' && n.op !== '==' && n.op !== '!=') throw bad('conditions can only be compared with == or !=');
    const op = { '==': 'is not distinct from', '!=': 'is distinct from', '<': '<', '<=': '<=', '>': '>', '>=': '>=' }[n.op];
    return { sql: `(${a.sql} ${op} ${b.sql})`, type: 'bool' };
  }
}

/** A filter ready for a list query: adds its parameters to `w` and returns the condition. */
export type CompiledFilter = (w: Where) => string;

/** Parses and type-checks now (so errors are 400 before any query); emits SQL later. */
export function compileFilter(src: string, target: FilterTarget): CompiledFilter | undefined {
  if (src.trim() === '') return undefined;
  const tree = parseFilter(src);
  // A dry run against a throwaway Where surfaces every error now.
  new Compiler(new Where(), target).bool(tree, new Map());
  return (w) => new Compiler(w, target).bool(tree, new Map());
}
