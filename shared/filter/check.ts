/**
 * Type-checks a parsed filter against an environment (fields.ts) and resolves every name, giving
 * a small typed tree (`Ir`) that sql.ts turns into SQL and evaluate.ts evaluates in process: the
 * two read the same tree, so they cannot disagree on what a filter means.
 *
 * Meaning, in both: a field the subject lacks is null, and null makes a comparison null; null
 * counts as false where a condition is decided (the filter, an `exists` item), and `!` of null
 * stays null (SQL's three-valued logic). So `!=` is SQL's `<>`: a missing field is neither equal
 * nor unequal to anything.
 *
 * Bounded work: quantifiers (`exists`, `all`, `exists_one`) over a list may not nest, nor refer
 * to another list inside them, since each level multiplies the work by the list's length; a
 * filter holds at most MAX_QUANTIFIERS of them.
 */
import { filterError, type CmpOp, type Node } from './parse.js';
import { RUN_TYPE_CONSTANTS, STATUS_VALUES, type Field, type FilterEnv, type ListDef, type ValueType } from './fields.js';
import { DATE_PARTS, parseTime, type DatePart } from './time.js';
import { compilePattern } from './pattern.js';
import { typeOf, type Ir, type IrType, type MapDef } from './ir.js';

export type { Ir } from './ir.js';

export const MAX_QUANTIFIERS = 8;
const MAX_INDEX = 2_147_483_647;

type Ref =
  | { k: 'value'; ir: Ir }
  | { k: 'list'; list: ListDef }
  | { k: 'map'; map: MapDef }
  | { k: 'object'; ir: Ir };

interface Var {
  slot: number;
  list: ListDef;
}

type Step = { field: string } | { index: Node };

const STATUS_NAMES = new Set<string>(STATUS_VALUES);

/** a.b[0].c → root `a` and the steps after it; undefined when not rooted at a name. */
function flatten(n: Node): { root: string; steps: Step[] } | undefined {
  const steps: Step[] = [];
  let cur = n;
  for (;;) {
    if (cur.k === 'select') {
      steps.unshift({ field: cur.field });
      cur = cur.of;
    } else if (cur.k === 'index') {
      steps.unshift({ index: cur.at });
      cur = cur.of;
    } else break;
  }
  return cur.k === 'ident' ? { root: cur.name, steps } : undefined;
}

export class Checker {
  private slots = 0;
  private quantifiers = 0;
  private quantDepth = 0;

  constructor(private readonly env: FilterEnv) {}

  condition(n: Node, vars: Map<string, Var> = new Map()): Ir {
    const ir = this.value(n, vars);
    if (typeOf(ir) !== 'bool') throw filterError('expected a condition, got a value');
    return ir;
  }

  private known(): string {
    return [...Object.keys(this.env.fields), ...Object.keys(this.env.lists), ...Object.keys(this.env.maps).map((m) => `${m}["…"]`)].join(', ');
  }

  private listUse(list: ListDef): void {
    if (this.quantDepth > 0) {
      throw filterError(`${list.name} inside exists()/all()/exists_one() is refused: each level multiplies the work by the list's length; put the conditions in one exists()`);
    }
  }

  private ref(n: Node, vars: Map<string, Var>): Ref {
    const flat = flatten(n);
    if (!flat) throw filterError('unsupported expression: fields are selected from a variable name');
    const v = vars.get(flat.root);
    const parts: string[] = v ? [] : [flat.root];
    for (let i = 0; i < flat.steps.length; i++) {
      const step = flat.steps[i]!;
      if ('field' in step) {
        parts.push(step.field);
        continue;
      }
      const key = parts.join('.');
      const at = step.index;
      const map = v ? undefined : this.env.maps[key];
      if (map) {
        if (at.k !== 'lit' || typeof at.v !== 'string') throw filterError(`${key} is indexed by a string key, as ${key}["name"]`);
        if (i !== flat.steps.length - 1) throw filterError(`${key}["${at.v}"] is a string: it has no fields`);
        return { k: 'value', ir: { k: 'key', map, key: this.text(at.v) } };
      }
      const list = v ? undefined : this.env.lists[key];
      if (list) {
        if (at.k !== 'lit' || typeof at.v !== 'bigint') throw filterError(`${key} is indexed by a whole number, as ${key}[0]`);
        if (at.v < 0n || at.v > BigInt(MAX_INDEX)) throw filterError(`${key}[${at.v}]: an index must be between 0 and ${MAX_INDEX}`);
        this.listUse(list);
        const rest = flat.steps.slice(i + 1).map((s) => ('field' in s ? s.field : undefined));
        if (rest.some((s) => s === undefined)) throw filterError(`${key}[${at.v}] is an item: select its fields by name`);
        const f = this.element(list, rest.join('.'));
        return { k: 'value', ir: { k: 'nth', type: f.type, list, n: Number(at.v), f } };
      }
      // data["status"] reads as data.status (Results accepts both spellings); data.a[0].b of an
      // EventList names nothing, like any other data.<path> but data.items.
      if (!v && at.k === 'lit' && (typeof at.v === 'string' || typeof at.v === 'bigint') && this.env.openRoots.includes(parts[0]!)) {
        parts.push(String(at.v));
        continue;
      }
      throw filterError(`${v ? flat.root : key} cannot be indexed`);
    }
    if (v) {
      const path = parts.join('.');
      if (path === '') throw filterError(`${flat.root} is an item of ${v.list.name}: compare its fields, as ${flat.root}.reason`);
      const obj = v.list.elementObjects?.[path];
      if (obj) return { k: 'object', ir: { k: 'hasObject', get: obj, sql: elementObjectSql(path), slot: v.slot } };
      const f = this.element(v.list, path);
      return { k: 'value', ir: { k: 'field', type: f.type, f, slot: v.slot } };
    }
    const key = parts.join('.');
    const field = this.env.fields[key];
    if (field) return { k: 'value', ir: { k: 'field', type: field.type, f: field, slot: null } };
    if (parts.length === 1 && STATUS_NAMES.has(key)) return { k: 'value', ir: { k: 'const', type: 'status', v: key } };
    if (parts.length === 1 && RUN_TYPE_CONSTANTS[key]) return { k: 'value', ir: { k: 'const', type: 'text', v: RUN_TYPE_CONSTANTS[key] } };
    const list = this.env.lists[key];
    if (list) return { k: 'list', list };
    const map = this.env.maps[key];
    if (map) return { k: 'map', map };
    const obj = this.env.objects[key];
    if (obj) return { k: 'object', ir: { k: 'hasObject', get: obj, sql: OBJECT_SQL[key], slot: null } };
    if (this.env.openRoots.includes(parts[0]!) && parts.length > 1) return { k: 'value', ir: { k: 'null' } };
    throw filterError(`unknown field "${key}"; known: ${this.known()}`);
  }

  private element(list: ListDef, path: string): Field {
    const f = list.element[path];
    if (!f) throw filterError(`unknown item field "${path}"; known: ${Object.keys(list.element).join(', ')}`);
    return f;
  }

  private text(s: string): string {
    if (s.includes('\u0000')) throw filterError('a string cannot hold NUL (\\u0000)');
    return s;
  }

  private value(n: Node, vars: Map<string, Var>): Ir {
    switch (n.k) {
      case 'lit':
        if (n.v === null) throw filterError('null is not supported: use has(field) to test presence');
        if (typeof n.v === 'string') return { k: 'const', type: 'text', v: this.text(n.v) };
        if (typeof n.v === 'boolean') return { k: 'const', type: 'bool', v: n.v };
        if (typeof n.v === 'bigint') {
          if (n.v > BigInt(Number.MAX_SAFE_INTEGER) || n.v < -BigInt(Number.MAX_SAFE_INTEGER)) throw filterError(`the integer ${n.v} is out of range`);
          return { k: 'const', type: 'num', v: Number(n.v) };
        }
        if (!Number.isFinite(n.v)) throw filterError('numbers must be finite');
        return { k: 'const', type: 'num', v: n.v };
      case 'list':
        throw filterError('a list literal is only usable after in, as x in ["a", "b"]');
      case 'ident':
      case 'select':
      case 'index': {
        const r = this.ref(n, vars);
        if (r.k === 'value') return r.ir;
        if (r.k === 'list') throw filterError(`${r.list.name} is a list: use ${r.list.name}.exists(i, …), size(${r.list.name}) or ${r.list.name}[n]`);
        if (r.k === 'map') throw filterError('a map is read by key, as annotations["name"]');
        throw filterError('an object is not a value: compare its fields, or test it with has()');
      }
      case 'not': {
        const of = this.value(n.of, vars);
        if (typeOf(of) !== 'bool') throw filterError('! applies to a condition');
        return { k: 'not', of };
      }
      case 'call':
        return this.call(n, vars);
      case 'bin':
        return this.binary(n, vars);
    }
  }

  private call(n: Extract<Node, { k: 'call' }>, vars: Map<string, Var>): Ir {
    const { fn, target, args } = n;
    if ((fn === 'exists' || fn === 'all' || fn === 'exists_one') && target) {
      const on = this.ref(target, vars);
      const v = args[0];
      if (on.k !== 'list' || args.length !== 2 || v?.k !== 'ident') throw filterError(`use ${on.k === 'list' ? on.list.name : 'data.items'}.${fn}(i, <condition on i>)`);
      this.listUse(on.list);
      if (++this.quantifiers > MAX_QUANTIFIERS) throw filterError(`more than ${MAX_QUANTIFIERS} exists()/all()/exists_one() in one filter`);
      const slot = this.slots++;
      this.quantDepth++;
      const body = this.condition(args[1]!, new Map(vars).set(v.name, { slot, list: on.list }));
      this.quantDepth--;
      return { k: 'quant', q: fn, list: on.list, slot, body };
    }
    if (fn === 'has' && !target && args.length === 1 && args[0]!.k === 'select') {
      const r = this.ref(args[0]!, vars);
      if (r.k === 'value') return r.ir.k === 'null' ? { k: 'const', type: 'bool', v: false } : { k: 'has', of: r.ir };
      if (r.k === 'object') return r.ir;
      if (r.k === 'list') {
        this.listUse(r.list);
        return { k: 'const', type: 'bool', v: !r.list.absent };
      }
      return { k: 'const', type: 'bool', v: !r.map.absent };
    }
    if (fn === 'has') throw filterError('has() takes a field, as has(a.b)');
    if (fn === 'size' && (target ? args.length === 0 : args.length === 1)) {
      const of = (target ?? args[0])!;
      const flat = flatten(of);
      const r = flat ? this.ref(of, vars) : { k: 'value' as const, ir: this.value(of, vars) };
      if (r.k === 'list') {
        this.listUse(r.list);
        return { k: 'size', list: r.list };
      }
      if (r.k === 'value' && (typeOf(r.ir) === 'text' || typeOf(r.ir) === 'null')) return { k: 'length', of: r.ir };
      throw filterError('size() takes a list or a string');
    }
    if (fn === 'timestamp' && !target && args.length === 1) {
      const a = args[0]!;
      if (a.k !== 'lit' || typeof a.v !== 'string') throw filterError('timestamp() takes a string literal');
      return { k: 'const', type: 'time', v: parseTime(this.text(a.v), true) };
    }
    if (fn in DATE_PARTS && target) {
      if (args.length > 0) throw filterError(`${fn}() takes no time zone here: times are read in UTC`);
      const of = this.value(target, vars);
      if (typeOf(of) !== 'time' && typeOf(of) !== 'null') throw filterError(`${fn}() works on times`);
      return { k: 'part', fn: fn as DatePart, of };
    }
    if (fn === 'contains' && target && args.length === 1) {
      const r = flatten(target) ? this.ref(target, vars) : undefined;
      if (r?.k === 'list') {
        if (!r.list.sql && this.env.name !== 'event') throw filterError(`${r.list.name}.contains() is not supported`);
        this.listUse(r.list);
        const arg = this.value(args[0]!, vars);
        if (typeOf(arg) !== 'text') throw filterError(`${r.list.name}.contains() takes a string`);
        return { k: 'itemsContain', list: r.list, arg };
      }
    }
    if (fn === 'contains' && target && args.length === 1 && flatten(target)) {
      const r = this.ref(target, vars);
      if (r.k === 'map') {
        // Results' idiom on a map (`summary.annotations.contains("x")`): a key or value holds x.
        const arg = this.value(args[0]!, vars);
        if (typeOf(arg) !== 'text') throw filterError('contains() takes a string');
        return { k: 'mapContains', map: r.map, arg };
      }
    }
    if (fn === 'string' && !target && args.length === 1) {
      const of = this.value(args[0]!, vars);
      if (typeOf(of) !== 'text' && typeOf(of) !== 'null') throw filterError('string() here converts strings only');
      return of;
    }
    if ((fn === 'startsWith' || fn === 'endsWith' || fn === 'contains' || fn === 'matches') && target && args.length === 1) {
      const s = this.value(target, vars);
      const arg = this.value(args[0]!, vars);
      if ((typeOf(s) !== 'text' && typeOf(s) !== 'null') || typeOf(arg) !== 'text') throw filterError(`${fn}() works on strings`);
      if (fn === 'matches') {
        if (arg.k !== 'const') throw filterError('matches() takes a string literal pattern');
        const pattern = compilePattern(arg.v as string);
        return s.k === 'null' ? { k: 'unknown' } : { k: 'matches', s, pattern };
      }
      if (s.k === 'null') return { k: 'unknown' };
      return { k: 'str', fn, s, arg };
    }
    throw filterError(`unsupported function ${fn}()`);
  }

  private binary(n: Extract<Node, { k: 'bin' }>, vars: Map<string, Var>): Ir {
    if (n.op === '&&' || n.op === '||') {
      return { k: n.op === '&&' ? 'and' : 'or', l: this.condition(n.l, vars), r: this.condition(n.r, vars) };
    }
    if (n.op === 'in') {
      if (n.r.k !== 'list') {
        const r = flatten(n.r) ? this.ref(n.r, vars) : undefined;
        if (r?.k === 'map') {
          const key = this.value(n.l, vars);
          if (typeOf(key) !== 'text') throw filterError('a map key is a string');
          return { k: 'hasKey', map: r.map, key };
        }
        // `"k" in data.metadata.labels` of a record without that map (an EventList): null
        if (r?.k === 'value' && r.ir.k === 'null') return { k: 'unknown' };
        throw filterError('use <field> in ["a", "b"]');
      }
      const l = this.value(n.l, vars);
      const items = n.r.items.map((i) => this.value(i, vars)).map((i) => this.unify(l, i, '==')[1]);
      if (l.k === 'null') return { k: 'unknown' };
      return { k: 'in', l, items };
    }
    if (n.op === '+') {
      const l = this.value(n.l, vars);
      const r = this.value(n.r, vars);
      const ok = (t: IrType) => t === 'text' || t === 'null';
      if (!ok(typeOf(l)) || !ok(typeOf(r))) throw filterError('+ joins strings only (no arithmetic in filters)');
      return { k: 'concat', l, r };
    }
    const [l, r] = this.unify(this.value(n.l, vars), this.value(n.r, vars), n.op);
    if (l.k === 'null' || r.k === 'null') return { k: 'unknown' };
    return { k: 'cmp', op: n.op, type: typeOf(l) as ValueType, l, r };
  }

  /** Brings both sides of a comparison to one type, or says why they cannot be compared. */
  private unify(l: Ir, r: Ir, op: CmpOp): [Ir, Ir] {
    const asTime = (c: Ir, other: Ir): Ir => (c.k === 'const' && c.type === 'text' && typeOf(other) === 'time' ? { k: 'const', type: 'time', v: parseTime(c.v as string) } : c);
    const asStatus = (c: Ir, other: Ir): Ir => {
      if (typeOf(other) !== 'status' || c.k !== 'const') return c;
      const name = c.type === 'num' && Number.isInteger(c.v) ? STATUS_VALUES[c.v as number] : c.type === 'text' || c.type === 'status' ? (c.v as string) : undefined;
      if (name === undefined || !STATUS_NAMES.has(name)) throw filterError(`summary.status is one of ${STATUS_VALUES.join(', ')} (or 0-4)`);
      return { k: 'const', type: 'status', v: name };
    };
    const a = asStatus(asTime(l, r), r);
    const b = asStatus(asTime(r, l), l);
    const ta = typeOf(a);
    const tb = typeOf(b);
    if (ta !== 'null' && tb !== 'null' && ta !== tb) throw filterError(`cannot compare ${ta} with ${tb}`);
    const t = ta === 'null' ? tb : ta;
    if ((t === 'bool' || t === 'status') && op !== '==' && op !== '!=') throw filterError(`${t === 'bool' ? 'conditions' : 'summary.status'} can only be compared with == or !=`);
    return [a, b];
  }
}

/** Presence of an object inside an Event, over a record_events row alias. */
function elementObjectSql(path: string): string {
  return `(coalesce(json_typeof($.event->'${path}'), 'null') <> 'null')`;
}

const OBJECT_SQL: Record<string, string> = {
  data: 'true',
  // a run record's (runFields.ts)
  'data.metadata': 'true',
  'data.status': 'true',
  'data.status.conditions': 'true',
  summary: '(r.summary is not null)',
};
