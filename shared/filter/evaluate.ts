/**
 * In-process evaluation of filters: the same checked tree (check.ts) that sql.ts compiles to SQL,
 * evaluated against one object with the same three-valued logic, so the database and this
 * module answer alike (test/unit/filterAgreement.test.ts checks it on generated data).
 *
 * Two uses:
 *   - a list filter against one record, run record or result (`compileSubjectFilter`), e.g. to check a
 *     single object against what a list query would return;
 *   - webhook subscriptions (`compileEventPredicate`): a filter over one stored Event or one
 *     run-finished status and its run. Variables: `kind` ("event" | "run"), `event.reason`,
 *     `event.type`, `event.note`, `event.action`, `event.reportingController`,
 *     `event.regarding.{kind,name,namespace,uid,apiVersion,fieldPath,taskName}`,
 *     `event.metadata.{name,namespace,uid}`, `event.series.count`, `run.{kind,name,uid,namespace}`,
 *     `pipelineRun.{name,uid}`, `status.{reason,message,startTime,completionTime}` and the list
 *     `status.steps` (items: `name`, `exitCode`, `reason`; `exists`/`all`/`exists_one` work).
 *     A field the context lacks (`event.*` of a run status, `status.*` of an Event,
 *     `pipelineRun.*` of a standalone TaskRun) is missing: a comparison with it is false, never an
 *     error, and `has(event.series)` tests presence.
 * A bad filter is the same 400 HttpError as for the list queries, thrown when compiling.
 */
import type { RunStatus, StoredEvent } from '../event.js';
import { Checker } from './check.js';
import type { Ir } from './ir.js';
import { EVENT, RECORDS, RESULTS, type FilterEnv, type RecordSubject, type ResultSubject, type ValueType } from './fields.js';
import { RUN_RECORDS, type RunRecordSubject } from './runFields.js';
import { parseFilter } from './parse.js';
import { DATE_PARTS, toDate } from './time.js';
import { re2Matcher } from './pattern.js';

export type { RecordSubject, ResultSubject } from './fields.js';
export type { RunRecordSubject } from './runFields.js';

/** What a subscription filter sees: one stored Event, or one run-finished status, and its run. */
export interface EventFilterContext {
  kind: 'event' | 'run';
  event?: StoredEvent;
  run: { kind: 'TaskRun' | 'PipelineRun'; name: string; uid: string; namespace: string };
  pipelineRun: { name: string; uid: string } | null;
  status?: RunStatus;
}

export type Value = string | number | bigint | boolean | null;
type Fn = (subject: unknown, slots: unknown[]) => Value;

function normalize(type: ValueType, v: unknown): Value {
  if (v === undefined || v === null) return null;
  switch (type) {
    case 'text':
    case 'status':
      return typeof v === 'string' ? v : null;
    case 'num':
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    case 'time':
      return typeof v === 'bigint' ? v : null;
    case 'bool':
      return typeof v === 'boolean' ? v : null;
  }
}

/** Code point order, as Postgres' "C" collation orders UTF-8 text. */
function compareText(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function compare(type: ValueType, a: Value, b: Value): number {
  if (type === 'text' || type === 'status') return compareText(a as string, b as string);
  if (type === 'time') return a! < b! ? -1 : a! > b! ? 1 : 0;
  if (type === 'bool') return a === b ? 0 : 1;
  return (a as number) - (b as number);
}

/** Item JSON as the store keeps it (JSON.stringify of the validated Event). */
const itemText = (item: unknown): string => JSON.stringify(item);

function build(ir: Ir): Fn {
  switch (ir.k) {
    case 'const': {
      const v = ir.v;
      return () => v;
    }
    case 'null':
    case 'unknown':
      return () => null;
    case 'field': {
      const { f, slot, type } = ir;
      return slot === null ? (s) => normalize(type, f.get(s)) : (_s, slots) => normalize(type, f.get(slots[slot]));
    }
    case 'key': {
      const { map, key } = ir;
      return (s) => {
        const m = map.get(s);
        return m && Object.hasOwn(m, key) ? normalize('text', m[key]) : null;
      };
    }
    case 'nth': {
      const { list, n, f, type } = ir;
      if (list.absent) return () => null;
      return (s) => {
        const items = list.get(s);
        return n < items.length ? normalize(type, f.get(items[n])) : null;
      };
    }
    case 'and': {
      const l = build(ir.l);
      const r = build(ir.r);
      return (s, slots) => {
        const a = l(s, slots);
        if (a === false) return false;
        const b = r(s, slots);
        if (b === false) return false;
        return a === null || b === null ? null : true;
      };
    }
    case 'or': {
      const l = build(ir.l);
      const r = build(ir.r);
      return (s, slots) => {
        const a = l(s, slots);
        if (a === true) return true;
        const b = r(s, slots);
        if (b === true) return true;
        return a === null || b === null ? null : false;
      };
    }
    case 'not': {
      const of = build(ir.of);
      return (s, slots) => {
        const v = of(s, slots);
        return v === null ? null : !v;
      };
    }
    case 'cmp': {
      const l = build(ir.l);
      const r = build(ir.r);
      const { op, type } = ir;
      return (s, slots) => {
        const a = l(s, slots);
        const b = r(s, slots);
        if (a === null || b === null) return null;
        const c = compare(type, a, b);
        return op === '==' ? c === 0 : op === '!=' ? c !== 0 : op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
      };
    }
    case 'in': {
      const l = build(ir.l);
      const items = ir.items.map(build);
      return (s, slots) => {
        const a = l(s, slots);
        if (a === null) return null;
        let unknown = false;
        for (const item of items) {
          const b = item(s, slots);
          if (b === null) unknown = true;
          else if (a === b) return true;
        }
        return unknown ? null : false;
      };
    }
    case 'hasKey': {
      const key = build(ir.key);
      const { map } = ir;
      // An absent map (fields.ts) is null, as a missing field is; a map that may be missing is false.
      if (map.absent) return () => null;
      return (s, slots) => {
        const k = key(s, slots);
        const m = map.get(s);
        return k === null ? null : !!m && Object.hasOwn(m, k as string) && m[k as string] !== null;
      };
    }
    case 'str': {
      const str = build(ir.s);
      const arg = build(ir.arg);
      const fn = ir.fn;
      return (s, slots) => {
        const a = str(s, slots) as string | null;
        const b = arg(s, slots) as string | null;
        if (a === null || b === null) return null;
        if (fn === 'startsWith') return a.startsWith(b);
        if (fn === 'endsWith') return a.endsWith(b);
        return a.includes(b);
      };
    }
    case 'matches': {
      const str = build(ir.s);
      const test = re2Matcher(ir.pattern);
      return (s, slots) => {
        const a = str(s, slots) as string | null;
        return a === null ? null : test(a);
      };
    }
    case 'concat': {
      const l = build(ir.l);
      const r = build(ir.r);
      return (s, slots) => {
        const a = l(s, slots);
        const b = r(s, slots);
        return a === null || b === null ? null : `${a as string}${b as string}`;
      };
    }
    case 'length': {
      const of = build(ir.of);
      return (s, slots) => {
        const v = of(s, slots);
        return v === null ? null : [...(v as string)].length;
      };
    }
    case 'quant': {
      const { list, slot, q } = ir;
      if (list.absent) return () => null;
      const body = build(ir.body);
      return (s, slots) => {
        const items = list.get(s);
        const inner = [...slots];
        let n = 0;
        for (const item of items) {
          inner[slot] = item;
          const ok = body(s, inner) === true;
          if (q === 'exists' && ok) return true;
          if (q === 'all' && !ok) return false;
          if (ok) n++;
        }
        return q === 'exists' ? false : q === 'all' ? true : n === 1;
      };
    }
    case 'size': {
      const { list } = ir;
      if (list.absent) return () => null;
      return (s) => list.get(s).length;
    }
    case 'part': {
      const of = build(ir.of);
      const part = DATE_PARTS[ir.fn];
      return (s, slots) => {
        const v = of(s, slots);
        return v === null ? null : part(toDate(v as bigint));
      };
    }
    case 'has': {
      const of = build(ir.of);
      return (s, slots) => of(s, slots) !== null;
    }
    case 'hasObject': {
      const { get, slot } = ir;
      return (s, slots) => (slot === null ? get(s) : get(slots[slot])) != null;
    }
    case 'mapContains': {
      const { map } = ir;
      if (map.absent) return () => null;
      const arg = build(ir.arg);
      return (s, slots) => {
        const a = arg(s, slots) as string | null;
        const m = map.get(s);
        if (a === null || !m) return a === null ? null : false;
        return Object.entries(m).some(([k, v]) => k.includes(a) || (typeof v === 'string' && v.includes(a)));
      };
    }
    case 'itemsContain': {
      const { list } = ir;
      if (list.absent) return () => null;
      const arg = build(ir.arg);
      return (s, slots) => {
        const a = arg(s, slots);
        if (a === null) return null;
        return list.get(s).some((item) => itemText(item).includes(a as string));
      };
    }
  }
}

/** The value of a tree that reads no subject (fold.ts decides such parts of a filter up front). */
export function evaluateClosed(ir: Ir): Value {
  return build(ir)(undefined, []);
}

function predicate<T>(ir: Ir): (subject: T) => boolean {
  const fn = build(ir);
  return (subject) => fn(subject, []) === true;
}

/** A subscription filter as a predicate; throws a 400 HttpError for a bad filter. */
export function compileEventPredicate(src: string): (ctx: EventFilterContext) => boolean {
  if (src.trim() === '') return () => true;
  return predicate<EventFilterContext>(new Checker(EVENT).condition(parseFilter(src)));
}

/** A list filter (the `filter` of …/records or …/results) as a predicate on one subject. */
const ENVS: Record<'records' | 'runRecords' | 'results', FilterEnv> = { records: RECORDS, runRecords: RUN_RECORDS, results: RESULTS };

export function compileSubjectFilter(src: string, target: 'records'): (r: RecordSubject) => boolean;
export function compileSubjectFilter(src: string, target: 'runRecords'): (r: RunRecordSubject) => boolean;
export function compileSubjectFilter(src: string, target: 'results'): (r: ResultSubject) => boolean;
export function compileSubjectFilter(src: string, target: 'records' | 'runRecords' | 'results'): (r: never) => boolean {
  if (src.trim() === '') return () => true;
  return predicate(new Checker(ENVS[target]).condition(parseFilter(src)));
}
