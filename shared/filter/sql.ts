/**
 * Checked filter (check.ts) → a SQL condition for the results or records list query. Field SQL
 * is constant text from fields.ts; every literal becomes a parameter of the caller's `Where`, so
 * no input reaches the SQL text.
 *
 * Shaped for the indexes (sql/000003.sql): equality is `=` (indexable, and null-is-false as the
 * filter language means), and `exists` over data.items is a semi-join on record_events that
 * the planner can drive either from the records page (probing (record_id, reason)) or from a
 * rare reason (scanning (reason, record_id)).
 */
import { Where } from '../store/listing.js';
import { Checker } from './check.js';
import type { Ir } from './ir.js';
import { RECORDS, RESULTS, type Field, type ListDef } from './fields.js';
import { parseFilter } from './parse.js';
import { DATE_PARTS_SQL, formatTime } from './time.js';

export type FilterTarget = 'results' | 'records';

const CMP = { '==': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' } as const;

class Emitter {
  private aliases = 0;
  private readonly slots = new Map<number, string>();
  constructor(private readonly w: Where) {}

  private col(f: Field, slot: number | null): string {
    if (f.sql === undefined) throw new Error('filter field without SQL'); // environments with SQL define it for every field
    return slot === null ? f.sql : f.sql.replaceAll('$.', `${this.slots.get(slot)!}.`);
  }

  private rows(list: ListDef, alias: string): string {
    if (!list.sql) throw new Error(`${list.name} has no SQL`);
    return list.sql.from(alias);
  }

  emit(ir: Ir): string {
    switch (ir.k) {
      case 'const':
        if (ir.type === 'bool') return ir.v ? 'true' : 'false';
        if (ir.type === 'num') return `${this.w.param(ir.v)}::numeric`;
        if (ir.type === 'time') return `${this.w.param(formatTime(ir.v as bigint))}::timestamptz`;
        return `${this.w.param(ir.v)}::text`;
      case 'null':
        return 'null::text';
      case 'unknown':
        return 'null::boolean';
      case 'field':
        return this.col(ir.f, ir.slot);
      case 'key':
        return ir.map.sql!(`${this.w.param(ir.key)}::text`);
      case 'nth': {
        const a = `n${this.aliases++}`;
        const inner = new Emitter(this.w);
        inner.slots.set(0, a);
        return `(select ${inner.col(ir.f, 0)} from ${this.rows(ir.list, a)} order by ${ir.list.sql!.order(a)} offset ${this.w.param(ir.n)}::bigint limit 1)`;
      }
      case 'and':
      case 'or':
        return `(${this.emit(ir.l)} ${ir.k} ${this.emit(ir.r)})`;
      case 'not':
        return `(not ${this.emit(ir.of)})`;
      case 'cmp': {
        // Text orders by code point (collation "C"), as in-process evaluation does.
        const l = ir.type === 'text' && ir.op !== '==' && ir.op !== '!=' ? `(${this.emit(ir.l)} collate "C")` : this.emit(ir.l);
        return `(${l} ${CMP[ir.op]} ${this.emit(ir.r)})`;
      }
      case 'in':
        if (ir.items.length === 0) return 'false';
        return `(${this.emit(ir.l)} = any(array[${ir.items.map((i) => this.emit(i)).join(', ')}]))`;
      case 'hasKey':
        return `(${ir.map.sql!(this.emit(ir.key))} is not null)`;
      case 'str': {
        const s = this.emit(ir.s);
        if (ir.fn === 'startsWith') return `starts_with(${s}, ${this.emit(ir.arg)})`;
        if (ir.fn === 'endsWith') {
          const a = this.emit(ir.arg);
          return `(right(${s}, char_length(${a})) = ${a})`;
        }
        return `(strpos(${s}, ${this.emit(ir.arg)}) > 0)`;
      }
      case 'matches':
        // (?p): `.` and [^…] stay off newlines, ^/$ match at the ends (pattern.ts).
        return `(${this.emit(ir.s)} ~ ${this.w.param(`(?p)${ir.pattern.sql}`)}::text)`;
      case 'concat':
        return `(${this.emit(ir.l)} || ${this.emit(ir.r)})`;
      case 'length':
        return `(char_length(${this.emit(ir.of)})::numeric)`;
      case 'quant': {
        const a = `e${this.aliases++}`;
        this.slots.set(ir.slot, a);
        const body = this.emit(ir.body);
        const from = this.rows(ir.list, a);
        if (ir.q === 'exists') return `exists (select 1 from ${from} and ${body})`;
        if (ir.q === 'all') return `(not exists (select 1 from ${from} and (${body}) is not true))`;
        return `((select count(*) from ${from} and ${body}) = 1)`;
      }
      case 'size': {
        const a = `s${this.aliases++}`;
        return `((select count(*) from ${this.rows(ir.list, a)})::numeric)`;
      }
      case 'part':
        return `(${DATE_PARTS_SQL[ir.fn](ir.of.k === 'null' ? 'null::timestamptz' : this.emit(ir.of))})::numeric`;
      case 'has':
        return `(${this.emit(ir.of)} is not null)`;
      case 'hasObject':
        if (ir.sql === undefined) throw new Error('object without SQL');
        return ir.slot === null ? ir.sql : ir.sql.replaceAll('$.', `${this.slots.get(ir.slot)!}.`);
      case 'mapContains': {
        const a = this.emit(ir.arg);
        return `exists (select 1 from jsonb_each_text(${ir.map.sqlJson!}) kv where strpos(kv.key, ${a}) > 0 or strpos(kv.value, ${a}) > 0)`;
      }
      case 'itemsContain': {
        const a = `c${this.aliases++}`;
        return `exists (select 1 from ${this.rows(ir.list, a)} and strpos(${a}.event::text, ${this.emit(ir.arg)}) > 0)`;
      }
    }
  }
}

/** The SQL condition of a checked (or folded) filter; its literals become parameters of `w`. */
export function emitSql(ir: Ir, w: Where): string {
  return new Emitter(w).emit(ir);
}

/** A filter ready for a list query: adds its parameters to `w` and returns the condition. */
export type CompiledFilter = (w: Where) => string;

/** Parses and type-checks now (so every error is a 400 before any query); emits SQL later. */
export function compileFilter(src: string, target: FilterTarget): CompiledFilter | undefined {
  if (src.trim() === '') return undefined;
  const ir = new Checker(target === 'records' ? RECORDS : RESULTS).condition(parseFilter(src));
  return (w) => new Emitter(w).emit(ir);
}

/** The checked tree of a list filter, for evaluate.ts and tests. */
export function checkFilter(src: string, target: FilterTarget): Ir {
  return new Checker(target === 'records' ? RECORDS : RESULTS).condition(parseFilter(src));
}

export { Where };
