/**
 * A Kubernetes Event as the API serves it → the stored Event of SPEC §2. Pure.
 *
 * Both API versions are read: events.k8s.io/v1 (`regarding`, `note`, `series`,
 * `deprecatedCount`…) and core/v1 (`involvedObject`, `message`, `count`, `firstTimestamp`,
 * `source.component`…), and written in events.k8s.io/v1 names. Strings are cut to the lengths
 * the ingest function accepts, because one over-long field would make it refuse the event.
 */
import { NOTE_MAX_BYTES, truncateUtf8, type StoredEvent } from '../shared/event.js';

/** The fields we read; everything else a served Event carries is dropped here. */
export interface RawObjectRef {
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  apiVersion?: string;
  fieldPath?: string;
}

export interface RawEvent {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; creationTimestamp?: string | Date };
  // events.k8s.io/v1
  regarding?: RawObjectRef;
  note?: string;
  series?: { count?: number; lastObservedTime?: string | Date } | null;
  deprecatedCount?: number;
  deprecatedFirstTimestamp?: string | Date | null;
  deprecatedLastTimestamp?: string | Date | null;
  reportingController?: string;
  // core/v1
  involvedObject?: RawObjectRef;
  message?: string;
  count?: number;
  firstTimestamp?: string | Date | null;
  lastTimestamp?: string | Date | null;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  // both
  reason?: string;
  type?: string;
  action?: string;
  reportingInstance?: string;
  eventTime?: string | Date | null;
}

/** The stored Event before linking: everything but `regarding.taskName`. */
export type StrippedEvent = Omit<StoredEvent, 'regarding'> & { regarding: Omit<StoredEvent['regarding'], 'taskName'> };

/** Times arrive as strings from a watch and may be Dates from a typed list call. */
function time(v: string | Date | null | undefined): string | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString();
  return Number.isNaN(Date.parse(v)) ? undefined : v;
}

function text(v: string | undefined, max: number): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return v.length <= max ? v : v.slice(0, max);
}

/** Drops undefined members, so the JSON carries only what the Event had. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** The object an Event is about, in either API version. */
export function regardingOf(e: RawEvent): RawObjectRef | undefined {
  return e.regarding ?? e.involvedObject;
}

/** Returns undefined for an Event without the fields a stored Event must have. */
export function stripEvent(e: RawEvent): StrippedEvent | undefined {
  const md = e.metadata;
  const ref = regardingOf(e);
  if (!md?.name || !ref?.kind || !ref.name) return undefined;
  const core = e.involvedObject !== undefined && e.regarding === undefined;
  const eventTime = time(e.eventTime);
  const firstTs = time(core ? e.firstTimestamp : e.deprecatedFirstTimestamp);
  const lastTs = time(core ? e.lastTimestamp : e.deprecatedLastTimestamp);
  const created = time(md.creationTimestamp) ?? eventTime ?? firstTs ?? lastTs;
  if (created === undefined) return undefined;
  const count = core ? e.count : e.deprecatedCount;
  const seriesTime = time(e.series?.lastObservedTime ?? undefined);
  const series =
    e.series && typeof e.series.count === 'number' && e.series.count >= 0 && seriesTime !== undefined
      ? { count: Math.trunc(e.series.count), lastObservedTime: seriesTime }
      : undefined;
  return compact({
    metadata: compact({
      name: md.name,
      namespace: text(md.namespace, 63),
      uid: text(md.uid, 128),
      resourceVersion: text(md.resourceVersion, 64),
      creationTimestamp: created,
    }),
    regarding: compact({
      kind: ref.kind.slice(0, 63),
      name: ref.name,
      namespace: text(ref.namespace, 63),
      uid: text(ref.uid, 128),
      apiVersion: text(ref.apiVersion, 253),
      fieldPath: text(ref.fieldPath, 1024),
    }),
    // Kubernetes requires a reason; an Event written without one still says what happened.
    reason: text(e.reason, 256) ?? text(e.action, 256) ?? 'Unknown',
    note: truncateUtf8((core ? e.message : e.note) ?? '', NOTE_MAX_BYTES),
    type: text(e.type, 64),
    action: text(e.action, 256),
    reportingController: text(core ? (e.reportingComponent || e.source?.component) : e.reportingController, 256),
    reportingInstance: text(core ? (e.reportingInstance || e.source?.host) : e.reportingInstance, 256),
    eventTime,
    series,
    deprecatedCount: typeof count === 'number' && count >= 0 ? Math.trunc(count) : undefined,
    deprecatedFirstTimestamp: firstTs,
    deprecatedLastTimestamp: lastTs,
  });
}
