/** Builders for valid CloudEvents of our two types, and a small client for the ingest endpoint. */
import { randomUUID } from 'node:crypto';
import { EVENT_TYPE, RUN_TYPE, type RunStatus, type StoredEvent } from '../../shared/event.js';
import { INGEST_TOKEN, QUERY_TOKEN } from './server.js';

export interface Run {
  kind: 'TaskRun' | 'PipelineRun';
  name: string;
  uid: string;
}

export function newRun(kind: Run['kind'], name: string): Run {
  return { kind, name, uid: randomUUID() };
}

export function storedEvent(over: {
  uid?: string;
  name?: string;
  namespace?: string;
  reason?: string;
  note?: string;
  type?: string;
  count?: number;
  rv?: number;
  first?: string;
  last?: string;
  regardingKind?: string;
  regardingName?: string;
  taskName?: string;
}): StoredEvent {
  const first = over.first ?? '2026-01-02T03:04:05Z';
  const e: StoredEvent = {
    metadata: {
      name: over.name ?? `pod-${Math.random().toString(16).slice(2, 8)}.17a2f3c1e0b5c3d1`,
      namespace: over.namespace ?? 'ci',
      uid: over.uid ?? randomUUID(),
      resourceVersion: String(over.rv ?? 100),
      creationTimestamp: first,
    },
    regarding: {
      kind: over.regardingKind ?? 'Pod',
      name: over.regardingName ?? 'build-pod',
      namespace: over.namespace ?? 'ci',
      apiVersion: 'v1',
      taskName: over.taskName ?? 'build',
    },
    reason: over.reason ?? 'Scheduled',
    note: over.note ?? 'Successfully assigned ci/build-pod to node-1',
    type: over.type ?? 'Normal',
    reportingController: 'default-scheduler',
  };
  if (over.count !== undefined || over.last !== undefined) {
    e.series = { count: over.count ?? 1, lastObservedTime: over.last ?? first };
  }
  return e;
}

export function eventCe(
  e: StoredEvent,
  run: Run,
  pipelineRun: { name: string; uid: string; pipeline?: string } | null,
  ns = e.metadata.namespace ?? 'ci',
): Record<string, unknown> {
  return {
    specversion: '1.0',
    type: EVENT_TYPE,
    source: '/tekton-events/forwarder/test',
    id: `${e.metadata.uid}/${e.metadata.resourceVersion}`,
    subject: `namespaces/${ns}/${run.kind === 'TaskRun' ? 'taskruns' : 'pipelineruns'}/${run.name}`,
    time: e.series?.lastObservedTime ?? e.metadata.creationTimestamp,
    datacontenttype: 'application/json',
    data: { event: e, run, pipelineRun },
  };
}

export function statusCe(run: Run, pipelineRun: { name: string; uid: string; pipeline?: string } | null, status: RunStatus, rv = 500, ns = 'ci') {
  return {
    specversion: '1.0',
    type: RUN_TYPE,
    source: '/tekton-events/forwarder/test',
    id: `${run.uid}/${rv}`,
    subject: `namespaces/${ns}/${run.kind === 'TaskRun' ? 'taskruns' : 'pipelineruns'}/${run.name}`,
    datacontenttype: 'application/json',
    data: { run, pipelineRun, status },
  };
}

/** Binary-mode headers for a structured-shaped CloudEvent object. */
export function binaryHeaders(ce: Record<string, unknown>): Record<string, string> {
  const h: Record<string, string> = { 'content-type': String(ce['datacontenttype'] ?? 'application/json') };
  for (const [k, v] of Object.entries(ce)) {
    if (k === 'data' || k === 'datacontenttype' || v === undefined) continue;
    // Encoded as the binding allows (every reserved character), so the receiver must decode.
    h[`ce-${k}`] = encodeURIComponent(String(v));
  }
  return h;
}

export type SendMode = 'binary' | 'structured' | 'batch';

export async function send(
  url: string,
  ces: Record<string, unknown>[],
  mode: SendMode = 'batch',
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  const auth = { authorization: `Bearer ${INGEST_TOKEN}` };
  if (mode === 'binary') {
    if (ces.length !== 1) throw new Error('binary mode sends one event');
    const ce = ces[0]!;
    return fetch(`${url}/ingest`, {
      method: 'POST',
      headers: { ...binaryHeaders(ce), ...auth, ...extraHeaders },
      body: JSON.stringify(ce['data']),
    });
  }
  if (mode === 'structured') {
    if (ces.length !== 1) throw new Error('structured mode sends one event');
    return fetch(`${url}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', ...auth, ...extraHeaders },
      body: JSON.stringify(ces[0]),
    });
  }
  return fetch(`${url}/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents-batch+json', ...auth, ...extraHeaders },
    body: JSON.stringify(ces),
  });
}

export const API = '/apis/results.tekton.dev/v1alpha2/parents';

// Tests read arbitrary JSON shapes; `any` keeps assertions readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function query(url: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${url}${API}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${QUERY_TOKEN}`, ...(init.headers as Record<string, string> | undefined) },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** The EventList JSON inside a record. */
export function eventList(record: { data: { value: string } }): { kind: string; apiVersion: string; items: StoredEvent[] } {
  return JSON.parse(Buffer.from(record.data.value, 'base64').toString('utf8'));
}

/** A response body as JSON, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function jsonOf(res: Response): Promise<any> {
  return res.json();
}

/**
 * One PipelineRun with one TaskRun per namespace, each with an Event, stored through `url`'s
 * ingest function: the data the authorisation tests read back.
 */
export async function seedPipelineRuns(url: string, namespaces: string[]): Promise<Record<string, { pr: Run; tr: Run }>> {
  const runs: Record<string, { pr: Run; tr: Run }> = {};
  for (const ns of namespaces) {
    const pr = newRun('PipelineRun', `pr-${ns}`);
    const tr = newRun('TaskRun', `pr-${ns}-build`);
    const res = await send(url, [
      eventCe(storedEvent({ namespace: ns, regardingKind: 'PipelineRun', regardingName: pr.name }), pr, null, ns),
      eventCe(storedEvent({ namespace: ns }), tr, pr, ns),
    ]);
    if (res.status !== 200) throw new Error(`seeding ${ns} failed: ${res.status} ${await res.text()}`);
    runs[ns] = { pr, tr };
  }
  return runs;
}
