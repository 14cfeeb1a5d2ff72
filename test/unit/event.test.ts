import { describe, expect, it } from 'vitest';
import { firstSeen, lastSeen, seriesCount, resourceVersionNumber, summaryStatus, truncateUtf8, StoredEventSchema, EventDataSchema } from '../../shared/event.js';
import { storedEvent } from '../helpers/ce.js';

describe('truncateUtf8', () => {
  it('leaves a note of at most 1 KiB alone', () => {
    expect(truncateUtf8('a'.repeat(1024), 1024)).toBe('a'.repeat(1024));
  });
  it('cuts a longer note to 1 KiB of UTF-8 ending in an ellipsis, never inside a character', () => {
    const cut = truncateUtf8('€'.repeat(600), 1024);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut.slice(0, -1)).toBe('€'.repeat(340));
  });
  it('does not split an emoji surrogate pair', () => {
    const cut = truncateUtf8('🌎'.repeat(400), 1024);
    expect(cut).not.toMatch(/\uFFFD/);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024);
  });
});

describe('stored Event', () => {
  it('takes first and last observed times from series, deprecated fields or creation, in that order', () => {
    const e = storedEvent({ first: '2026-01-01T00:00:00Z' });
    expect(firstSeen(e)).toBe('2026-01-01T00:00:00Z');
    expect(lastSeen({ ...e, deprecatedLastTimestamp: '2026-01-01T00:01:00Z' })).toBe('2026-01-01T00:01:00Z');
    expect(lastSeen({ ...e, series: { count: 3, lastObservedTime: '2026-01-01T00:02:00Z' }, deprecatedLastTimestamp: '2026-01-01T00:01:00Z' })).toBe('2026-01-01T00:02:00Z');
    expect(firstSeen({ ...e, eventTime: '2025-12-31T23:59:59.123456Z' })).toBe('2025-12-31T23:59:59.123456Z');
  });
  it('counts repeats from series.count, then deprecatedCount, else 1', () => {
    const e = storedEvent({});
    expect(seriesCount(e)).toBe(1);
    expect(seriesCount({ ...e, deprecatedCount: 4 })).toBe(4);
    expect(seriesCount({ ...e, deprecatedCount: 4, series: { count: 6, lastObservedTime: '2026-01-01T00:00:00Z' } })).toBe(6);
  });
  it('reads resourceVersion as a number, and 0 when it is not one', () => {
    expect(resourceVersionNumber('123456789012345678901')).toBe('123456789012345678901');
    expect(resourceVersionNumber('abc')).toBe('0');
    expect(resourceVersionNumber(undefined)).toBe('0');
  });
  it('strips fields the design does not keep', () => {
    const parsed = StoredEventSchema.parse({ ...storedEvent({}), managedFields: [{ manager: 'kubelet' }], related: { kind: 'Node' } });
    expect(parsed).not.toHaveProperty('managedFields');
    expect(parsed).not.toHaveProperty('related');
  });
  it('requires the fields the design marks as required', () => {
    const e = storedEvent({}) as Record<string, unknown>;
    const { reason: _r, ...noReason } = e;
    expect(StoredEventSchema.safeParse(noReason).success).toBe(false);
    const noTaskName = { ...e, regarding: { kind: 'Pod', name: 'p' } };
    const tr = { kind: 'TaskRun', name: 'build', uid: '6f1d1b0e-8a55-4c43-9c47-3f1f4b7d2a10' };
    expect(EventDataSchema.safeParse({ event: noTaskName, run: tr, pipelineRun: null }).success).toBe(false);
  });
  it("accepts a PipelineRun's own Event without a pipeline task, and stores none", () => {
    const e = storedEvent({ regardingKind: 'PipelineRun', regardingName: 'pr' }) as Record<string, unknown> & { regarding: Record<string, unknown> };
    const { taskName: _t, ...regarding } = e.regarding;
    const pr = { kind: 'PipelineRun', name: 'pr', uid: '6f1d1b0e-8a55-4c43-9c47-3f1f4b7d2a10' };
    const parsed = EventDataSchema.safeParse({ event: { ...e, regarding }, run: pr, pipelineRun: null });
    expect(parsed.success).toBe(true);
    expect(parsed.data?.event.regarding).not.toHaveProperty('taskName');
  });
  it.each(['0000-01-01T00:00:00Z', '2026-01-01T00:00:00+16:00', '2026-02-30T00:00:00Z'])('refuses %s, a time Postgres would refuse', (t) => {
    const e = storedEvent({ first: t });
    expect(StoredEventSchema.safeParse(e).success).toBe(false);
  });
  it('accepts the extremes Postgres stores', () => {
    expect(StoredEventSchema.safeParse(storedEvent({ first: '0001-01-01T00:00:00Z' })).success).toBe(true);
    expect(StoredEventSchema.safeParse(storedEvent({ first: '9999-12-31T23:59:59.999999Z' })).success).toBe(true);
    expect(StoredEventSchema.safeParse(storedEvent({ first: '2026-01-01T00:00:00-15:59' })).success).toBe(true);
  });
});

describe('summaryStatus', () => {
  it.each([
    ['Succeeded', 'SUCCESS'],
    ['Completed', 'SUCCESS'],
    ['Failed', 'FAILURE'],
    ['TaskRunImagePullFailed', 'FAILURE'],
    ['PipelineRunTimeout', 'TIMEOUT'],
    ['TaskRunTimeout', 'TIMEOUT'],
    ['Cancelled', 'CANCELLED'],
    ['TaskRunCancelled', 'CANCELLED'],
    ['StoppedRunFinally', 'CANCELLED'],
    [undefined, 'UNKNOWN'],
  ])('maps reason %s to %s', (reason, status) => {
    expect(summaryStatus(reason)).toBe(status);
  });
});
