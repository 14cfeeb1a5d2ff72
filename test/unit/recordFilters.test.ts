/**
 * One records filter, decided per kind of record before any query (shared/filter/fold.ts,
 * recordFilters.ts): what each kind is known to hold is evaluated up front, with the filter
 * language's three-valued logic, and only what varies per row reaches the SQL.
 */
import { describe, expect, it } from 'vitest';
import { compileRecordFilters, compileRunFilter, type KindFilter } from '../../shared/filter/recordFilters.js';
import { Where } from '../../shared/store/listing.js';

const show = (f: KindFilter): string => {
  if (f.matches !== 'some') return f.matches;
  const w = new Where();
  return f.sql(w);
};

describe('a records filter per kind of record', () => {
  it.each<[string, string | RegExp, string | RegExp]>([
    ['', 'all', 'all'],
    ['data_type == PIPELINE_RUN', 'none', "(rec.run_kind = 'PipelineRun')"],
    ['data_type == "results.tekton.dev/v1.EventList"', 'all', 'none'],
    ['!(data_type == PIPELINE_RUN)', 'all', "(rec.run_kind = 'TaskRun')"],
    ['data_type != TASK_RUN && data_type != PIPELINE_RUN', 'all', 'none'],
    ['data_type in [TASK_RUN, PIPELINE_RUN]', 'none', 'all'],
    ['data.kind == "TaskRun" && data.apiVersion == "tekton.dev/v1"', 'none', "(rec.run_kind = 'TaskRun')"],
    ['data_type.startsWith("tekton.dev/")', 'none', 'all'],
    ['data_type == PIPELINE_RUN || data.items.exists(i, i.reason == "OOMKilled")', /^exists \(select 1 from record_events/, "(rec.run_kind = 'PipelineRun')"],
    ['data_type == TASK_RUN && data.metadata.name == "x"', 'none', /^\(rec\.run_kind = 'TaskRun' and \(rec\.run_name = \$1::text\)\)$/],
    // no data_type: one condition for every run record, not a branch per kind
    ['data.metadata.name.contains("x")', 'none', /^\(strpos\(rec\.run_name, \$1::text\) > 0\)$/],
    ['create_time > timestamp("2026-01-01T00:00:00Z")', /rec\.create_time >/, /rec\.create_time >/],
    // absent on a run record (data.items) or an EventList (data.metadata…): null, and ! keeps it null
    ['has(data.items)', 'all', 'none'],
    ['!data.items.exists(i, i.type == "Warning")', /^\(not exists/, 'none'],
    ['!(data.metadata.labels["tekton.dev/pipelineRun"] == "pr")', 'none', /^\(not \(\(case/],
    ['data.metadata.annotations["a"] == "b" || data.metadata.annotations.contains("x")', 'none', 'none'],
    ['data.status.conditions[0].type == "Succeeded"', 'none', 'all'],
  ])('%s', (filter, eventLists, runs) => {
    const f = compileRecordFilters(filter);
    for (const [got, want] of [[show(f.eventLists), eventLists], [show(f.runs), runs]] as const) {
      if (typeof want === 'string') expect(got).toBe(want);
      else expect(got).toMatch(want);
    }
  });

  it('refuses a filter that is wrong for either kind, before any query', () => {
    expect(() => compileRecordFilters('data.metadata.labels == "x"')).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => compileRecordFilters('data_type == 1')).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('gives the summary one condition over run records', () => {
    expect(compileRunFilter('')).toBeUndefined();
    expect(compileRunFilter('data_type == PIPELINE_RUN || data_type == TASK_RUN')).toBeUndefined();
    expect(compileRunFilter('data_type == "results.tekton.dev/v1.EventList"')!(new Where())).toBe('false');
    expect(compileRunFilter('data_type == TASK_RUN')!(new Where())).toBe("(rec.run_kind = 'TaskRun')");
  });
});
