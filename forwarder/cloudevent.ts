/**
 * The CloudEvents the forwarder sends (SPEC §3), built with the `cloudevents` package, and
 * their HTTP framing: binary mode for one event, batched mode for several (the package has no
 * batch serializer, so the array of structured events is written here).
 *
 * Each event's data is checked against the schema the ingest function applies, so a bad event
 * is caught and reported here instead of making the ingest function refuse a whole batch.
 */
import { CloudEvent, HTTP } from 'cloudevents';
import {
  EVENT_TYPE,
  EventDataSchema,
  RUN_TYPE,
  RunStatusDataSchema,
  lastSeen,
  type EventData,
  type PipelineRunRef,
  type RunRef,
  type RunStatus,
  type RunStatusData,
  type StoredEvent,
} from '../shared/event.js';

export interface CloudEventOptions {
  clusterName: string;
  /** K_CE_OVERRIDES extensions, added to every event */
  extensions: Record<string, string | boolean | number>;
}

export type Built<T> = { ce: CloudEvent<T> } | { problem: string };

export function sourceOf(clusterName: string): string {
  return `/tekton-events/forwarder/${clusterName}`;
}

export function subjectOf(namespace: string, run: RunRef): string {
  return `namespaces/${namespace}/${run.kind === 'TaskRun' ? 'taskruns' : 'pipelineruns'}/${run.name}`;
}

/** Same Event state ⇒ same id, so a resent Event is recognised as a duplicate. */
export function eventId(e: StoredEvent): string {
  const who = e.metadata.uid ?? `${e.metadata.namespace ?? ''}.${e.metadata.name}`;
  return `${who}/${e.metadata.resourceVersion ?? '0'}`;
}

function issues(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return error.issues.map((i) => `data.${i.path.map(String).join('.')}: ${i.message}`).join('; ');
}

function make<T>(attrs: Record<string, unknown>, opts: CloudEventOptions): Built<T> {
  try {
    return { ce: new CloudEvent<T>({ ...opts.extensions, ...attrs, specversion: '1.0', datacontenttype: 'application/json' }, true) };
  } catch (err) {
    const errors = (err as { errors?: unknown }).errors;
    return { problem: `invalid CloudEvent: ${(err as Error).message}${errors ? ` ${JSON.stringify(errors)}` : ''}` };
  }
}

export function eventCloudEvent(
  event: StoredEvent,
  link: { namespace: string; run: RunRef; pipelineRun: PipelineRunRef },
  opts: CloudEventOptions,
): Built<EventData> {
  const data = { event, run: link.run, pipelineRun: link.pipelineRun };
  const checked = EventDataSchema.safeParse(data);
  if (!checked.success) return { problem: issues(checked.error) };
  return make<EventData>(
    {
      type: EVENT_TYPE,
      source: sourceOf(opts.clusterName),
      id: eventId(event),
      subject: subjectOf(link.namespace, link.run),
      time: lastSeen(event),
      data,
    },
    opts,
  );
}

export function runStatusCloudEvent(
  namespace: string,
  run: RunRef,
  pipelineRun: PipelineRunRef,
  resourceVersion: string,
  status: RunStatus,
  opts: CloudEventOptions,
): Built<RunStatusData> {
  const data = { run, pipelineRun, status };
  const checked = RunStatusDataSchema.safeParse(data);
  if (!checked.success) return { problem: issues(checked.error) };
  return make<RunStatusData>(
    {
      type: RUN_TYPE,
      source: sourceOf(opts.clusterName),
      id: `${run.uid}/${resourceVersion}`,
      subject: subjectOf(namespace, run),
      time: status.completionTime ?? undefined,
      data,
    },
    opts,
  );
}

export interface HttpMessage {
  headers: Record<string, string>;
  body: string;
}

/** Binary mode: attributes in ce-* headers, percent-encoded as the binding requires. */
export function binaryMessage(ce: CloudEvent<unknown>): HttpMessage {
  const m = HTTP.binary(ce);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers)) {
    const s = String(v);
    // The package writes header values raw; the binding asks for percent-encoding of
    // anything outside printable ASCII (and of '%' itself).
    headers[k.toLowerCase()] = k.toLowerCase().startsWith('ce-') ? s.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => encodeURIComponent(c)) : s;
  }
  return { headers, body: typeof m.body === 'string' ? m.body : JSON.stringify(m.body) };
}

/** Batched mode: a JSON array of structured events. */
export function batchMessage(ces: CloudEvent<unknown>[]): HttpMessage {
  return {
    headers: { 'content-type': 'application/cloudevents-batch+json; charset=utf-8' },
    body: `[${ces.map((ce) => JSON.stringify(ce.toJSON())).join(',')}]`,
  };
}
