/**
 * A records list holds two kinds of record, as in Tekton Results: EventLists
 * (`results.tekton.dev/v1.EventList`) and run records (`tekton.dev/v1.PipelineRun` / `TaskRun`),
 * both read from the `records` rows. One filter is checked against both environments (fields.ts
 * RECORDS, runFields.ts RUN_RECORDS: a filter wrong in either is a 400), then folded per kind
 * (fold.ts): a kind it cannot select is not queried at all, and for run records the run kinds it
 * can select become a plain `rec.run_kind = …` condition.
 */
import { Checker } from './check.js';
import { RECORDS, type Field } from './fields.js';
import { foldFilter, reads, type Folded } from './fold.js';
import { parseFilter } from './parse.js';
import { RUN_RECORDS, runKindFixed } from './runFields.js';
import { emitSql, type CompiledFilter } from './sql.js';

/** What a filter selects of one kind of record: none of it (skip the query), all of it, or a condition. */
export type KindFilter = { matches: 'none' } | { matches: 'all' } | { matches: 'some'; sql: CompiledFilter };

export interface RecordFilters {
  eventLists: KindFilter;
  runs: KindFilter;
}

const ALL: KindFilter = { matches: 'all' };
const RUN_KINDS = ['PipelineRun', 'TaskRun'] as const;
const KIND_FIELDS: ReadonlySet<Field> = new Set(runKindFixed('PipelineRun').keys());

function kindFilter(f: Folded): KindFilter {
  if (f.matches !== 'some') return f;
  const { ir } = f;
  return { matches: 'some', sql: (w) => emitSql(ir, w) };
}

/** Run records: the filter as is when it does not depend on the run kind, else one branch per kind it can select. */
function runFilter(ir: Parameters<typeof foldFilter>[0]): KindFilter {
  const plain = foldFilter(ir);
  if (plain.matches !== 'some' || !reads(plain.ir, KIND_FIELDS)) return kindFilter(plain);
  const branches = RUN_KINDS.map((kind) => ({ kind, f: foldFilter(ir, runKindFixed(kind)) })).filter((b) => b.f.matches !== 'none');
  if (branches.length === 0) return { matches: 'none' };
  if (branches.length === RUN_KINDS.length && branches.every((b) => b.f.matches === 'all')) return ALL;
  return {
    matches: 'some',
    sql: (w) => {
      // The kinds are constants of this module; only the filter's literals are parameters.
      const parts = branches.map(({ kind, f }) => (f.matches === 'some' ? `(rec.run_kind = '${kind}' and ${emitSql(f.ir, w)})` : `(rec.run_kind = '${kind}')`));
      return parts.length === 1 ? parts[0]! : `(${parts.join(' or ')})`;
    },
  };
}

/** `filter` of a records list, for each kind of record; a bad filter is a 400 now, before any query. */
export function compileRecordFilters(src: string): RecordFilters {
  if (src.trim() === '') return { eventLists: ALL, runs: ALL };
  const node = parseFilter(src);
  const eventLists = kindFilter(foldFilter(new Checker(RECORDS).condition(node)));
  const runs = runFilter(new Checker(RUN_RECORDS).condition(node));
  return { eventLists, runs };
}

/** `filter` over run records only (the records summary counts runs), as one condition. */
export function compileRunFilter(src: string): CompiledFilter | undefined {
  if (src.trim() === '') return undefined;
  const runs = runFilter(new Checker(RUN_RECORDS).condition(parseFilter(src)));
  if (runs.matches === 'all') return undefined;
  if (runs.matches === 'none') return () => 'false';
  return runs.sql;
}
