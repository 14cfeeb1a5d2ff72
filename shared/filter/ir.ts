/**
 * The checked form of a filter: every name resolved to a field of its environment (fields.ts),
 * every literal typed. check.ts builds it; sql.ts and evaluate.ts read it.
 */
import type { CmpOp } from './parse.js';
import type { Field, FilterEnv, ListDef, ValueType } from './fields.js';
import type { DatePart } from './time.js';
import type { Pattern } from './pattern.js';

export type MapDef = FilterEnv['maps'][string];

export type Ir =
  | { k: 'const'; type: ValueType; v: string | number | bigint | boolean }
  /** a value the subject cannot have (data.<path> of an EventList): null */
  | { k: 'null' }
  /** a condition that is always null (a comparison with a value the subject cannot have) */
  | { k: 'unknown' }
  | { k: 'field'; type: ValueType; f: Field; slot: number | null }
  | { k: 'key'; map: MapDef; key: string }
  | { k: 'nth'; type: ValueType; list: ListDef; n: number; f: Field }
  | { k: 'and' | 'or'; l: Ir; r: Ir }
  | { k: 'not'; of: Ir }
  | { k: 'cmp'; op: CmpOp; type: ValueType; l: Ir; r: Ir }
  | { k: 'in'; l: Ir; items: Ir[] }
  | { k: 'hasKey'; map: MapDef; key: Ir }
  | { k: 'str'; fn: 'startsWith' | 'endsWith' | 'contains'; s: Ir; arg: Ir }
  | { k: 'matches'; s: Ir; pattern: Pattern }
  | { k: 'concat'; l: Ir; r: Ir }
  | { k: 'length'; of: Ir }
  | { k: 'quant'; q: 'exists' | 'all' | 'exists_one'; list: ListDef; slot: number; body: Ir }
  | { k: 'size'; list: ListDef }
  | { k: 'part'; fn: DatePart; of: Ir }
  | { k: 'has'; of: Ir }
  | { k: 'hasObject'; get: (o: unknown) => unknown; sql: string | undefined; slot: number | null }
  | { k: 'itemsContain'; list: ListDef; arg: Ir }
  | { k: 'mapContains'; map: MapDef; arg: Ir };

export type IrType = ValueType | 'null';

export function typeOf(ir: Ir): IrType {
  switch (ir.k) {
    case 'const':
    case 'field':
    case 'nth':
      return ir.type;
    case 'null':
      return 'null';
    case 'key':
    case 'concat':
      return 'text';
    case 'size':
    case 'part':
    case 'length':
      return 'num';
    default:
      return 'bool';
  }
}
