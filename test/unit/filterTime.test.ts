import { describe, expect, it } from 'vitest';
import { formatTime, parseTime } from '../../shared/filter/time.js';

describe('filter times', () => {
  it.each([
    ['2026-01-02T03:04:05Z', '2026-01-02T03:04:05.000000Z'],
    ['2026-01-02T03:04:05.1234567Z', '2026-01-02T03:04:05.123456Z'],
    ['2026-01-02T05:04:05+02:00', '2026-01-02T03:04:05.000000Z'],
    ['2026-01-01T00:30:00-01:30', '2026-01-01T02:00:00.000000Z'],
    ['2026-01-02', '2026-01-02T00:00:00.000000Z'],
    ['2026-01-02 03:04', '2026-01-02T03:04:00.000000Z'],
    ['2022/10/30T21:45:00.000Z', '2022-10-30T21:45:00.000000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000000Z'],
    ['1969-12-31T23:59:59.5Z', '1969-12-31T23:59:59.500000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(formatTime(parseTime(text))).toBe(iso);
  });

  it.each([
    ['2026-02-29T00:00:00Z', /day 29 does not exist in 2026-02/],
    ['1900-02-29', /day 29 does not exist/],
    ['2026-13-01', /month 13/],
    ['2026-00-01', /month 0/],
    ['2026-01-01T24:00:00Z', /not a time of day/],
    ['2026-01-01T00:00:00+16:00', /zone offset/],
    ['0000-01-01', /year 0000/],
    ['now', /not an RFC 3339 time/],
    ['infinity', /not an RFC 3339 time/],
    ['2026-01-01T00:00:00Z trailing', /not an RFC 3339 time/],
  ])('refuses %s', (text, detail) => {
    expect(() => parseTime(text)).toThrow(expect.objectContaining({ status: 400, message: expect.stringMatching(detail) }));
  });

  it('takes RFC 3339 only in timestamp()', () => {
    expect(() => parseTime('2026-01-02', true)).toThrow(/timestamp\("2026-01-02"\) is not an RFC 3339 time/);
    expect(parseTime('2026-01-02T00:00:00Z', true)).toBe(parseTime('2026-01-02'));
  });
});
