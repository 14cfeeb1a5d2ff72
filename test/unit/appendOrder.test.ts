/** The order merged states of one Event are kept in must be the upsert's: to the microsecond. */
import { describe, expect, it } from 'vitest';
import { microseconds } from '../../shared/store/appendEvents.js';

describe('microseconds', () => {
  it('keeps the digits past the millisecond that Date.parse drops', () => {
    expect(microseconds('2026-01-02T03:04:05.000200Z') - microseconds('2026-01-02T03:04:05.000100Z')).toBe(100);
    expect(microseconds('2026-01-02T03:04:05.123456Z')).toBe(Date.parse('2026-01-02T03:04:05.123Z') * 1000 + 456);
  });

  it('reads whole seconds, short fractions and offsets', () => {
    expect(microseconds('2026-01-02T03:04:05Z')).toBe(Date.parse('2026-01-02T03:04:05Z') * 1000);
    expect(microseconds('2026-01-02T03:04:05.5Z')).toBe(Date.parse('2026-01-02T03:04:05.5Z') * 1000);
    expect(microseconds('2026-01-02T05:04:05.000001+02:00')).toBe(microseconds('2026-01-02T03:04:05.000001Z'));
  });
});
