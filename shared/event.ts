/**
 * The shapes that cross the forwarder → ingest boundary (SPEC §2, §3), as zod schemas: the
 * stored Event (events.k8s.io/v1 field names), the data of our two CloudEvent types, and the
 * derived values the store orders and deduplicates by.
 */
import { z } from 'zod';
import { NAMESPACE_RE, validUuid } from './names.js';

export const EVENT_TYPE = 'dev.tekton.results.event.v1';
export const RUN_TYPE = 'dev.tekton.results.run.v1';
export const NOTE_MAX_BYTES = 1024;
const ELLIPSIS = '…';

/** Cuts `s` to at most `maxBytes` of UTF-8, ending in `…` when cut, never splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  const budget = maxBytes - Buffer.byteLength(ELLIPSIS, 'utf8');
  let bytes = 0;
  let out = '';
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > budget) break;
    bytes += n;
    out += ch;
  }
  return out + ELLIPSIS;
}

/**
 * Whether Postgres stores the timestamp as it is: zod's RFC 3339 check lets year 0000 through
 * (there is no year 0 in Postgres: 1 BC precedes AD 1) and offsets up to ±23:59 (Postgres
 * takes ±15:59), both refused later with the whole batch.
 */
export function storableTime(v: string): boolean {
  if (v.startsWith('0000')) return false;
  const offset = /([+-])(\d{2}):?\d{2}$/.exec(v);
  return !offset || Number(offset[2]) <= 15;
}

/** RFC 3339 as Kubernetes writes it (Time and MicroTime), within what Postgres stores. */
const Time = z.iso
  .datetime({ offset: true })
  .refine(storableTime, 'a timestamp from year 0001 to 9999, with an offset within ±15:59');
const OptTime = Time.nullish();
const Text = (max: number) => z.string().max(max);
/** Any Kubernetes object name in a field we only keep (an Event's own name). */
const K8sName = z.string().min(1).max(253);

/** A DNS-1123 subdomain: how Kubernetes validates the names of Pods, TaskRuns and PipelineRuns. */
export const DNS_SUBDOMAIN_RE = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The name of a Pod, TaskRun or PipelineRun, or a pipeline task. */
const ObjectName = z
  .string()
  .regex(DNS_SUBDOMAIN_RE, 'must be a Kubernetes object name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters');
const Namespace = z.string().regex(NAMESPACE_RE, 'must be a Kubernetes namespace name: lower-case letters, digits and "-", at most 63 characters');
const Uid = z.string().refine((v) => validUuid(v), 'must be a UUID');

export const StoredEventSchema = z.object({
  metadata: z.object({
    name: K8sName,
    namespace: Namespace.optional(),
    uid: Text(128).optional(),
    resourceVersion: Text(64).optional(),
    creationTimestamp: Time,
  }),
  regarding: z.object({
    kind: z.string().min(1).max(63),
    name: ObjectName,
    namespace: Namespace.optional(),
    uid: Text(128).optional(),
    apiVersion: Text(253).optional(),
    fieldPath: Text(1024).optional(),
    /** Required for a TaskRun's and its Pods' Events (EventDataSchema); a PipelineRun's own have none. */
    taskName: ObjectName.optional(),
  }),
  reason: z.string().min(1).max(256),
  note: z.string().transform((s) => truncateUtf8(s, NOTE_MAX_BYTES)),
  type: Text(64).optional(),
  action: Text(256).optional(),
  reportingController: Text(256).optional(),
  reportingInstance: Text(256).optional(),
  eventTime: OptTime,
  series: z.object({ count: z.number().int().min(0), lastObservedTime: Time }).nullish(),
  deprecatedCount: z.number().int().min(0).optional(),
  deprecatedFirstTimestamp: OptTime,
  deprecatedLastTimestamp: OptTime,
});
export type StoredEvent = z.infer<typeof StoredEventSchema>;

export const RunRefSchema = z.object({
  kind: z.enum(['TaskRun', 'PipelineRun']),
  name: ObjectName,
  uid: Uid,
});
export type RunRef = z.infer<typeof RunRefSchema>;

/** A Kubernetes label value: at most 63 characters, alphanumerics with `-`, `_`, `.` inside. */
export const LABEL_VALUE_RE = /^(?=.{0,63}$)(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LabelValue = z.string().regex(LABEL_VALUE_RE, 'must be a Kubernetes label value: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit');

/**
 * The PipelineRun a run belongs to. `pipeline` is its `tekton.dev/pipeline` label (the
 * Pipeline's name), optional: senders that do not know it (or predate it) leave it out, and
 * the Result learns it from a later event that has it.
 */
export const PipelineRunRefSchema = z.object({ name: ObjectName, uid: Uid, pipeline: LabelValue.optional() }).nullable().default(null);
export type PipelineRunRef = z.infer<typeof PipelineRunRefSchema>;

export const EventDataSchema = z
  .object({
    event: StoredEventSchema,
    run: RunRefSchema,
    pipelineRun: PipelineRunRefSchema,
  })
  .superRefine((d, ctx) => {
    // A PipelineRun's own Events belong to no pipeline task; a TaskRun's (and its Pods') do.
    if (d.run.kind === 'TaskRun' && d.event.regarding.taskName === undefined) {
      ctx.addIssue({ code: 'custom', path: ['event', 'regarding', 'taskName'], message: 'required for the Events of a TaskRun and its Pods: the pipeline task name, or the TaskRun name when it runs alone' });
    }
  });
export type EventData = z.infer<typeof EventDataSchema>;

export const RunStatusSchema = z.object({
  reason: Text(256).optional(),
  message: z
    .string()
    .transform((s) => truncateUtf8(s, 4 * NOTE_MAX_BYTES))
    .optional(),
  startTime: OptTime,
  completionTime: OptTime,
  steps: z
    .array(
      z.object({
        name: K8sName,
        exitCode: z.number().int().nullish(),
        reason: Text(256).nullish(),
      }),
    )
    .max(1000)
    .default([]),
});
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const RunStatusDataSchema = z.object({
  run: RunRefSchema,
  pipelineRun: PipelineRunRefSchema,
  status: RunStatusSchema,
});
export type RunStatusData = z.infer<typeof RunStatusDataSchema>;

/** When the Event was first observed: the item order of an EventList. */
export function firstSeen(e: StoredEvent): string {
  return e.deprecatedFirstTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
}

/** When the Event was last observed: its repeats update this. */
export function lastSeen(e: StoredEvent): string {
  return e.series?.lastObservedTime ?? e.deprecatedLastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
}

export function seriesCount(e: StoredEvent): number {
  return e.series?.count ?? e.deprecatedCount ?? 1;
}

/** resourceVersion as a number, for ordering states of one Event; 0 when not numeric. */
export function resourceVersionNumber(rv: string | undefined): string {
  return rv !== undefined && /^\d{1,30}$/.test(rv) ? rv : '0';
}

/** The key that makes repeats of one Event one item. */
export function eventKey(e: StoredEvent): string {
  return e.metadata.uid ?? `${e.metadata.namespace ?? ''}/${e.metadata.name}`;
}

export type SummaryStatus = 'SUCCESS' | 'FAILURE' | 'TIMEOUT' | 'CANCELLED' | 'UNKNOWN';

/**
 * Whether a Result summary (as stored and served) is that of a run still running: a Result gets
 * its summary `UNKNOWN`, without `end_time`, when its run is first seen, and the run's terminal
 * status fills it in (shared/store/applyRunStatus.ts). No summary at all is running too.
 */
export function runningSummary(s: { status?: string | undefined; end_time?: string | null | undefined } | null | undefined): boolean {
  return !s || ((s.status ?? 'UNKNOWN') === 'UNKNOWN' && !s.end_time);
}

/** The Result summary status of a finished run, from its terminal condition's reason. */
export function summaryStatus(reason: string | undefined): SummaryStatus {
  if (!reason) return 'UNKNOWN';
  if (/^(Succeeded|Completed)$/.test(reason)) return 'SUCCESS';
  if (/Timeout|TimedOut/i.test(reason)) return 'TIMEOUT';
  if (/Cancel|Stopped/i.test(reason)) return 'CANCELLED';
  // Any other terminal reason (Failed, TaskRunImagePullFailed, CreateContainerConfigError, …).
  return 'FAILURE';
}
