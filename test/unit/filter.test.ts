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

describe('filter SQL for the indexes and for bounded work', () => {
  it('compiles quantifiers to semi-joins on record_events, all() counting a missing field as failing', () => {
    expect(sql('data.items.all(i, i.type == "Normal")').cond).toBe(
      '(not exists (select 1 from record_events e0 where e0.record_id = rec.id and ((e0.type = $1::text)) is not true))',
    );
    expect(sql('data.items.exists_one(i, i.reason == "X")').cond).toBe(
      '((select count(*) from record_events e0 where e0.record_id = rec.id and (e0.reason = $1::text)) = 1)',
    );
    expect(sql('data.items[3].note == "x"').cond).toContain('offset $1::bigint limit 1');
  });

  it('makes a data.<path> an EventList lacks a null condition, and UNKNOWN match no summary', () => {
    expect(sql('data.metadata.name == "x"').cond).toBe('null::boolean');
    expect(sql('summary.status == UNKNOWN', 'results').cond).toBe("(coalesce(r.summary->>'status', 'UNKNOWN') = $1::text)");
    expect(sql('summary.status == 2', 'results').values).toEqual(['FAILURE']);
  });

  it('orders text by code point and keeps RE2 newline rules for matches', () => {
    expect(sql('name < "b"').cond).toBe('((rec.name collate "C") < $1::text)');
    expect(sql('name.matches("^a.b$")')).toEqual({ cond: '(rec.name ~ $1::text)', values: ['(?p)^a.b$'] });
  });

  it.each([
    ['data.items.exists(a, data.items.exists(b, a.reason == b.reason))', /inside exists\(\)\/all\(\)\/exists_one\(\) is refused/],
    ['data.items.exists(a, data.items[0].reason == a.reason)', /inside exists/],
    ['data.items.all(a, data.items.contains(a.reason))', /inside exists/],
    [Array.from({ length: 9 }, () => 'data.items.exists(i, i.reason == "X")').join(' && '), /more than 8/],
    ['name.matches("(?i)abc")', /inline flags/],
    ['name.matches("a(?=b)")', /lookaround/],
    ['name.matches("\\\\bword")', /not supported/],
    ['name.matches(name)', /string literal pattern/],
    ['timestamp(name) > create_time', /string literal/],
    ['create_time.getFullYear("Europe/Paris") == 2026', /no time zone/],
    ['summary.status == "RUNNING"', /one of UNKNOWN/],
  ])('refuses %s', (src, detail) => {
    expect(() => compileFilter(src, src.includes('summary') ? 'results' : 'records')).toThrow(expect.objectContaining({ status: 400, message: expect.stringMatching(detail) }));
  });
});
