/**
 * `?format=corev1` on `GET …/records/{EventList record}`: the EventList as a Tekton Results
 * watcher stores it, a core/v1 `EventList` (`involvedObject`, `message`, `firstTimestamp`,
 * `lastTimestamp`, `count`, `source`, `reportingComponent`…), for tools migrating data between
 * the two stores. Our `regarding.taskName` has no place there and is dropped. Pure.
 *
 * Field by field, as Kubernetes converts events.k8s.io/v1 to core/v1, except where we keep
 * less: `source.component` is the reporting controller (the forwarder keeps one name for both),
 * and `firstTimestamp`/`lastTimestamp`/`count` are always filled in (when the Event was first and
 * last observed, how many times), since a core/v1 reader (`kubectl get events`) goes by them.
 * Item metadata is the watcher's too: name, namespace, creationTimestamp.
 */
import { firstSeen, lastSeen, seriesCount, type StoredEvent } from '../../shared/event.js';
import { HttpError } from '../../shared/http/problem.js';
import { single } from './params.js';

export type RecordFormat = 'default' | 'corev1';

/** `format`: absent or empty is the stored shape; `corev1` the core/v1 one; anything else a 400. */
export function recordFormat(q: URLSearchParams): RecordFormat {
  const v = single(q, 'format');
  if (v === undefined || v === '') return 'default';
  if (v === 'corev1') return 'corev1';
  throw new HttpError(400, `format "${v}" is not offered: leave it out for the stored EventList (events.k8s.io/v1 names), or give format=corev1 for core/v1 Events`);
}

function coreEvent(e: StoredEvent): Record<string, unknown> {
  const { taskName: _taskName, ...involvedObject } = e.regarding;
  const out: Record<string, unknown> = {
    metadata: { name: e.metadata.name, namespace: e.metadata.namespace, creationTimestamp: e.metadata.creationTimestamp },
    involvedObject,
    reason: e.reason,
    message: e.note,
    source: e.reportingController ? { component: e.reportingController } : {},
    firstTimestamp: firstSeen(e),
    lastTimestamp: lastSeen(e),
    count: seriesCount(e),
  };
  if (e.type) out['type'] = e.type;
  out['eventTime'] = e.eventTime ?? null;
  if (e.series) out['series'] = { count: e.series.count, lastObservedTime: e.series.lastObservedTime };
  if (e.action) out['action'] = e.action;
  out['reportingComponent'] = e.reportingController ?? '';
  out['reportingInstance'] = e.reportingInstance ?? '';
  return out;
}

/** The stored EventList JSON → a core/v1 EventList JSON. */
export function coreEventList(eventListJson: string): string {
  const list = JSON.parse(eventListJson) as { items: StoredEvent[] };
  return JSON.stringify({ kind: 'EventList', apiVersion: 'v1', metadata: {}, items: list.items.map(coreEvent) });
}
