/**
 * The fast path of Event data validation (shared/eventCheck.ts) against zod, its definition:
 * whatever it accepts, zod accepts with the same output, key order included (the stored JSON).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventDataSchema } from '../../shared/event.js';
import { fastEventData } from '../../shared/eventCheck.js';
import { storedEvent } from '../helpers/ce.js';

const base = () => ({
  event: { ...storedEvent({ count: 3, last: '2026-01-02T03:04:09.123456Z' }), eventTime: null, action: 'Scheduling', deprecatedCount: 2, extra: { dropped: true } },
  run: { kind: 'TaskRun', name: 'pr-build', uid: '6f1d1b0e-8a55-4c43-9c47-3f1f4b7d2a10' },
  pipelineRun: { name: 'pr', uid: '7a2e2c1f-9b66-4d54-8d58-4a2a5c8e3b21', pipeline: 'build-and-test' },
});

/** Values that stress each check: edge lengths, bad dates, wrong types, null, absent. */
const oddValue = fc.oneof(
  fc.constantFrom(undefined, null, '', 'a', 'A', '-a', 'a.b', 'a_b', '_a', 'A.b-C', 'a'.repeat(63), 'a'.repeat(64), 'a'.repeat(254), 7, -1, 1.5, 2 ** 53, true, [], {}),
  fc.constantFrom('2026-02-29T00:00:00Z', '2024-02-29T00:00:00Z', '0000-01-01T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:00+15:59', '2026-01-01T00:00:00+16:00', '2026-01-01T00:00:00.1234567890Z', '2026-01-01t00:00:00z', '2026-01-01T00:00Z'),
  fc.constantFrom('TaskRun', 'PipelineRun', 'Pod', 'not-a-uuid', '6f1d1b0e-8a55-4c43-9c47-3f1f4b7d2a10'),
  fc.string({ maxLength: 10 }),
);

const paths = [
  ['event', 'metadata', 'name'], ['event', 'metadata', 'namespace'], ['event', 'metadata', 'uid'], ['event', 'metadata', 'creationTimestamp'],
  ['event', 'metadata'], ['event', 'regarding', 'kind'], ['event', 'regarding', 'name'], ['event', 'regarding', 'namespace'],
  ['event', 'regarding', 'taskName'], ['event', 'regarding', 'fieldPath'], ['event', 'reason'], ['event', 'note'], ['event', 'type'],
  ['event', 'eventTime'], ['event', 'series'], ['event', 'series', 'count'], ['event', 'series', 'lastObservedTime'],
  ['event', 'deprecatedCount'], ['event', 'deprecatedFirstTimestamp'], ['event'], ['run', 'kind'], ['run', 'name'], ['run', 'uid'],
  ['run'], ['pipelineRun'], ['pipelineRun', 'name'], ['pipelineRun', 'uid'], ['pipelineRun', 'pipeline'],
];

function set(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let o = obj;
  for (const k of path.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) return;
    o = o[k] as Record<string, unknown>;
  }
  if (value === undefined) delete o[path.at(-1)!];
  else o[path.at(-1)!] = value;
}

describe('the fast path of Event data validation', () => {
  it('builds what zod builds for a valid Event, key order and cut note included', () => {
    const data = base();
    data.event.note = '€'.repeat(600);
    const fast = fastEventData(data);
    expect(fast).toBeDefined();
    expect(JSON.stringify(fast)).toBe(JSON.stringify(EventDataSchema.parse(data)));
  });

  it('accepts only what zod accepts, with the same output', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...paths), oddValue), { minLength: 1, maxLength: 3 }), (edits) => {
        const data = structuredClone(base()) as unknown as Record<string, unknown>;
        for (const [path, value] of edits) set(data, path, value);
        const fast = fastEventData(data);
        if (fast === undefined) return;
        const zod = EventDataSchema.safeParse(data);
        expect(zod.success).toBe(true);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the common Events, so the fast path is the one that runs', () => {
    expect(fastEventData(base())).toBeDefined();
    const pr = { ...base(), run: { kind: 'PipelineRun', name: 'pr', uid: '7a2e2c1f-9b66-4d54-8d58-4a2a5c8e3b21' }, pipelineRun: null };
    delete (pr.event.regarding as { taskName?: string }).taskName;
    expect(fastEventData(pr)).toBeDefined();
  });
});
