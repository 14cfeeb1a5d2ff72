/**
 * Partial evaluation of a checked filter under what is known of every subject of a query: a
 * field with a fixed value (an EventList's `data_type`, or a run record's `data_type` once the
 * query is narrowed to one run kind) becomes that constant, an absent list or map is null,
 * and every part that then reads nothing per row is evaluated now, by evaluate.ts, so the
 * meaning is the one the in-process evaluation gives. What remains is SQL for what truly varies.
 *
 * A filter that folds to false (or null) selects nothing: the list query for that kind of record
 * is not run at all (`data_type == PIPELINE_RUN` reads no EventList row).
 */
import { evaluateClosed } from './evaluate.js';
import type { Field } from './fields.js';
import { typeOf, type Ir } from './ir.js';

/** What a filter selects of one kind of record. */
export type Folded = { matches: 'none' } | { matches: 'all' } | { matches: 'some'; ir: Ir };

const FALSE: Ir = { k: 'const', type: 'bool', v: false };
const TRUE: Ir = { k: 'const', type: 'bool', v: true };
const UNKNOWN: Ir = { k: 'unknown' };

const isBool = (ir: Ir, v: boolean) => ir.k === 'const' && ir.type === 'bool' && ir.v === v;

/** Nodes that read nothing of a row (after folding their operands). */
function closed(ir: Ir): boolean {
  switch (ir.k) {
    case 'const':
    case 'null':
    case 'unknown':
      return true;
    case 'cmp':
    case 'concat':
      return closed(ir.l) && closed(ir.r);
    case 'in':
      return closed(ir.l) && ir.items.every(closed);
    case 'str':
      return closed(ir.s) && closed(ir.arg);
    case 'matches':
      return closed(ir.s);
    case 'length':
    case 'part':
    case 'has':
    case 'not':
      return closed(ir.of);
    case 'and':
    case 'or':
      return closed(ir.l) && closed(ir.r);
    default:
      return false;
  }
}

/** A closed node as the constant it evaluates to. */
function constant(ir: Ir): Ir {
  const v = evaluateClosed(ir);
  const t = typeOf(ir);
  if (t === 'bool') return v === null ? UNKNOWN : { k: 'const', type: 'bool', v: v as boolean };
  if (v === null || t === 'null') return { k: 'null' };
  return { k: 'const', type: t, v };
}

function fold(ir: Ir, fixed: ReadonlyMap<Field, string>): Ir {
  const f = (x: Ir) => fold(x, fixed);
  let out: Ir;
  switch (ir.k) {
    case 'field': {
      const v = ir.slot === null ? (fixed.get(ir.f) ?? ir.f.fixed) : undefined;
      return v === undefined ? ir : { k: 'const', type: ir.type, v };
    }
    // An absent list or map is null, as a missing field is: what reads it is null too.
    case 'key':
      return ir.map.absent ? { k: 'null' } : ir;
    case 'hasKey':
    case 'mapContains':
      return ir.map.absent ? UNKNOWN : ir;
    case 'nth':
    case 'size':
      return ir.list.absent ? { k: 'null' } : ir;
    case 'itemsContain':
      return ir.list.absent ? UNKNOWN : ir;
    case 'quant':
      if (ir.list.absent) return UNKNOWN;
      return { ...ir, body: f(ir.body) };
    case 'and':
    case 'or': {
      // Duals: `false` absorbs an and and drops out of an or; `true` the other way round.
      const absorbing = ir.k === 'or';
      const l = f(ir.l);
      const r = f(ir.r);
      if (isBool(l, absorbing) || isBool(r, absorbing)) return absorbing ? TRUE : FALSE;
      if (isBool(l, !absorbing)) return r;
      if (isBool(r, !absorbing)) return l;
      out = { k: ir.k, l, r };
      break;
    }
    case 'not':
      out = { k: 'not', of: f(ir.of) };
      break;
    case 'cmp':
    case 'concat':
      out = { ...ir, l: f(ir.l), r: f(ir.r) };
      break;
    case 'in':
      out = { ...ir, l: f(ir.l), items: ir.items.map(f) };
      break;
    case 'str':
      out = { ...ir, s: f(ir.s), arg: f(ir.arg) };
      break;
    case 'matches':
      out = { ...ir, s: f(ir.s) };
      break;
    case 'length':
    case 'part':
    case 'has':
      out = { ...ir, of: f(ir.of) } as Ir;
      break;
    default:
      return ir;
  }
  return closed(out) ? constant(out) : out;
}

/** The filter `ir` over subjects whose `fixed` fields have those values. */
export function foldFilter(ir: Ir, fixed: ReadonlyMap<Field, string> = new Map()): Folded {
  const out = fold(ir, fixed);
  if (isBool(out, true)) return { matches: 'all' };
  if (out.k === 'unknown' || isBool(out, false)) return { matches: 'none' };
  return { matches: 'some', ir: out };
}

/** Whether `ir` still reads one of `fields` (outside any quantifier). */
export function reads(ir: Ir, fields: ReadonlySet<Field>): boolean {
  if (ir.k === 'field') return ir.slot === null && fields.has(ir.f);
  for (const v of Object.values(ir) as unknown[]) {
    const children = Array.isArray(v) ? v : [v];
    for (const c of children) {
      if (c && typeof c === 'object' && typeof (c as { k?: unknown }).k === 'string' && reads(c as Ir, fields)) return true;
    }
  }
  return false;
}
