import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../shared/filter/sql.js';
import { parseFilter } from '../../shared/filter/parse.js';
import { Where } from '../../shared/store/listing.js';

function sql(src: string, target: 'results' | 'records' = 'records') {
  const w = new Where();
  const cond = compileFilter(src, target)!(w);
  return { cond, values: w.values };
}

describe('filter', () => {
  it('parses precedence: && binds tighter than ||, ! applies to the next term', () => {
    expect(parseFilter('a || b && !c')).toEqual({
      k: 'bin',
      op: '||',
      l: { k: 'ident', name: 'a' },
      r: { k: 'bin', op: '&&', l: { k: 'ident', name: 'b' }, r: { k: 'not', of: { k: 'ident', name: 'c' } } },
    });
  });

  it('compiles exists over data.items to a parameterised subquery', () => {
    const { cond, values } = sql('data.items.exists(i, i.reason == "OOMKilled" && i.type != \'Normal\')');
    expect(cond).toBe(
      'exists (select 1 from record_events e0 where e0.record_id = rec.id and ((e0.reason = $1::text) and (e0.type <> $2::text)))',
    );
    expect(values).toEqual(['OOMKilled', 'Normal']);
  });

  it('never puts a literal into the SQL text', () => {
    const evil = `x'); drop table results; --`;
    const { cond, values } = sql(`data_type == "${evil}" || data.items.exists(e, e.note.contains("${evil}"))`);
    expect(cond).not.toContain('drop table');
    expect(values).toEqual([evil, evil]);
  });

  it('compiles in, startsWith, endsWith, indexes, size and timestamps', () => {
    expect(sql('data.items.exists(e, e.reason in ["BackOff", "Failed"])').cond).toContain('= any(array[$1::text, $2::text]))');
    expect(sql('data.items.exists(e, e.regarding.taskName.startsWith("build"))').cond).toContain("starts_with((e0.event->'regarding'->>'taskName'), $1::text)");
    expect(sql('data.items[0].reason == "Started"').values).toEqual([0, 'Started']);
    expect(sql('size(data.items) > 3').cond).toContain('count(*)');
    expect(sql('create_time > timestamp("2026-01-01T00:00:00Z")').cond).toBe('(rec.create_time > $1::timestamptz)');
    expect(sql('update_time < "2026-01-01T00:00:00Z"').cond).toBe('(rec.update_time < $1::timestamptz)');
  });

  it('reads Results summary enums bare and annotations by key', () => {
    expect(sql('summary.status == FAILURE', 'results')).toEqual({ cond: "(coalesce(r.summary->>'status', 'UNKNOWN') = $1::text)", values: ['FAILURE'] });
    expect(sql('annotations["tekton.dev/pipelineRun"] == "p"', 'results').values).toEqual(['tekton.dev/pipelineRun', 'p']);
  });

  it.each([
    ['data.items.exists(i, i.secret == "x")', /unknown item field "secret"/],
    ['data.items == "x"', /data\.items is a list/],
    ['summary.status == FAILURE', /unknown field "summary.status"/],
    ['data_type ==', /unexpected end/],
    ['data_type == "x', /unterminated string/],
    ['data_type == "x" ;', /unexpected character/],
    ['create_time > 5', /cannot compare time with num/],
    ['data_type', /expected a condition/],
    ['exec("x")', /unsupported function/],
    ['!'.repeat(100) + 'true', /nesting deeper/],
    ['create_time > timestamp("soon")', /not an RFC 3339 time/],
  ])('refuses %s with a precise 400', (src, detail) => {
    expect(() => compileFilter(src, 'records')).toThrow(expect.objectContaining({ status: 400, message: expect.stringMatching(detail) }));
  });
});
