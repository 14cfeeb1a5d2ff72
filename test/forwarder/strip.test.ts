import { describe, expect, it } from 'vitest';
import { StoredEventSchema } from '../../shared/event.js';
import { stripEvent, type RawEvent } from '../../forwarder/strip.js';

const v1Event: RawEvent & Record<string, unknown> = {
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: {
    name: 'build-pod.17a2f3c1e0b5c3d1',
    namespace: 'ci',
    uid: '0b9c1d2e-3f4a-4b5c-8d6e-7f8091a2b3c4',
    resourceVersion: '4242',
    creationTimestamp: '2026-01-02T03:04:05Z',
    managedFields: [{ manager: 'kubelet' }],
  } as RawEvent['metadata'],
  regarding: { kind: 'Pod', name: 'build-pod', namespace: 'ci', uid: 'p-uid', apiVersion: 'v1', fieldPath: 'spec.containers{step-build}' },
  reason: 'BackOff',
  note: 'Back-off restarting failed container',
  type: 'Warning',
  action: 'Restarting',
  reportingController: 'kubelet',
  reportingInstance: 'node-1',
  eventTime: '2026-01-02T03:04:05.123456Z',
  series: { count: 4, lastObservedTime: '2026-01-02T03:09:05.000001Z' },
  deprecatedSource: { component: 'kubelet' },
};

describe('stripEvent', () => {
  it('keeps the fields of SPEC §2 from an events.k8s.io/v1 Event and drops the rest', () => {
    const s = stripEvent(v1Event)!;
    expect(s).toEqual({
      metadata: { name: 'build-pod.17a2f3c1e0b5c3d1', namespace: 'ci', uid: '0b9c1d2e-3f4a-4b5c-8d6e-7f8091a2b3c4', resourceVersion: '4242', creationTimestamp: '2026-01-02T03:04:05Z' },
      regarding: { kind: 'Pod', name: 'build-pod', namespace: 'ci', uid: 'p-uid', apiVersion: 'v1', fieldPath: 'spec.containers{step-build}' },
      reason: 'BackOff',
      note: 'Back-off restarting failed container',
      type: 'Warning',
      action: 'Restarting',
      reportingController: 'kubelet',
      reportingInstance: 'node-1',
      eventTime: '2026-01-02T03:04:05.123456Z',
      series: { count: 4, lastObservedTime: '2026-01-02T03:09:05.000001Z' },
    });
    expect(StoredEventSchema.safeParse({ ...s, regarding: { ...s.regarding, taskName: 'build' } }).success).toBe(true);
  });

  it('maps a core/v1 Event to events.k8s.io/v1 field names', () => {
    const s = stripEvent({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'build-pod.17a2f3c1e0b5c3d1', namespace: 'ci', uid: 'u1', resourceVersion: '7', creationTimestamp: '2026-01-02T03:04:05Z' },
      involvedObject: { kind: 'Pod', name: 'build-pod', namespace: 'ci', apiVersion: 'v1' },
      reason: 'FailedScheduling',
      message: '0/3 nodes are available',
      type: 'Warning',
      count: 3,
      firstTimestamp: '2026-01-02T03:04:05Z',
      lastTimestamp: '2026-01-02T03:05:05Z',
      source: { component: 'default-scheduler', host: 'cp-1' },
      eventTime: null,
    })!;
    expect(s.regarding).toEqual({ kind: 'Pod', name: 'build-pod', namespace: 'ci', apiVersion: 'v1' });
    expect(s.note).toBe('0/3 nodes are available');
    expect(s.deprecatedCount).toBe(3);
    expect(s.deprecatedFirstTimestamp).toBe('2026-01-02T03:04:05Z');
    expect(s.deprecatedLastTimestamp).toBe('2026-01-02T03:05:05Z');
    expect(s.reportingController).toBe('default-scheduler');
    expect(s.reportingInstance).toBe('cp-1');
    expect(s).not.toHaveProperty('eventTime');
    expect(s).not.toHaveProperty('involvedObject');
    expect(s).not.toHaveProperty('message');
  });

  it('cuts the note at 1 KiB of UTF-8 with an ellipsis, never splitting a character', () => {
    const s = stripEvent({ ...v1Event, note: 'é'.repeat(2000) })!;
    expect(Buffer.byteLength(s.note, 'utf8')).toBeLessThanOrEqual(1024);
    expect(s.note.endsWith('…')).toBe(true);
    expect(s.note.slice(0, -1)).toMatch(/^é+$/);
  });

  it('turns Date timestamps (from typed list calls) into RFC 3339 strings', () => {
    const s = stripEvent({ ...v1Event, metadata: { ...v1Event.metadata, creationTimestamp: new Date('2026-01-02T03:04:05Z') }, eventTime: new Date('2026-01-02T03:04:06Z') })!;
    expect(s.metadata.creationTimestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(s.eventTime).toBe('2026-01-02T03:04:06.000Z');
  });

  it('refuses an Event with no object it is about', () => {
    expect(stripEvent({ ...v1Event, regarding: undefined })).toBeUndefined();
    expect(stripEvent({ ...v1Event, regarding: { kind: 'Pod' } })).toBeUndefined();
  });

  it('gives an Event without a reason one, since a stored Event must have it', () => {
    expect(stripEvent({ ...v1Event, reason: '' })!.reason).toBe('Restarting');
    expect(stripEvent({ ...v1Event, reason: undefined, action: undefined })!.reason).toBe('Unknown');
  });
});
