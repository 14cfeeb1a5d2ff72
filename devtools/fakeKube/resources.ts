/**
 * The resources the fake API server serves, their URL paths, and the two views of an Event.
 * A real API server keeps one Event and shows it as core/v1 and as events.k8s.io/v1; so does
 * this one: events are stored in events.k8s.io/v1 form and converted for the core view.
 */
export type Resource = 'pods' | 'events' | 'coreevents' | 'taskruns' | 'pipelineruns' | 'leases';

export interface ResourceInfo {
  /** '' for the core group */
  group: string;
  version: string;
  plural: string;
  kind: string;
  listKind: string;
  apiVersion: string;
  /** where objects are kept: both Event views share one store */
  storage: 'pods' | 'events' | 'taskruns' | 'pipelineruns' | 'leases';
  /**
   * Field selector labels the real API server accepts for this resource, each with the path it
   * reads in the served object (others are refused with 400 "field label not supported").
   */
  fieldLabels: Record<string, string>;
}

const META = { 'metadata.name': 'metadata.name', 'metadata.namespace': 'metadata.namespace' };
const same = (...labels: string[]) => Object.fromEntries(labels.map((l) => [l, l]));
const REF = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];
/** k8s pkg/apis/core/v1/conversion.go (Event) */
const CORE_EVENT_FIELDS = { ...META, ...same(...REF.map((f) => `involvedObject.${f}`), 'reason', 'reportingComponent', 'type'), source: 'source.component' };
/** k8s pkg/apis/events/v1: the same fields under their events.k8s.io names */
const EVENT_FIELDS = { ...META, ...same(...REF.map((f) => `regarding.${f}`), 'reason', 'reportingController', 'type') };
/** k8s pkg/apis/core/v1/conversion.go (Pod) */
const POD_FIELDS = {
  ...META,
  ...same('spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'),
};

export const RESOURCES: Record<Resource, ResourceInfo> = {
  pods: { group: '', version: 'v1', plural: 'pods', kind: 'Pod', listKind: 'PodList', apiVersion: 'v1', storage: 'pods', fieldLabels: POD_FIELDS },
  coreevents: { group: '', version: 'v1', plural: 'events', kind: 'Event', listKind: 'EventList', apiVersion: 'v1', storage: 'events', fieldLabels: CORE_EVENT_FIELDS },
  events: { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', listKind: 'EventList', apiVersion: 'events.k8s.io/v1', storage: 'events', fieldLabels: EVENT_FIELDS },
  taskruns: { group: 'tekton.dev', version: 'v1', plural: 'taskruns', kind: 'TaskRun', listKind: 'TaskRunList', apiVersion: 'tekton.dev/v1', storage: 'taskruns', fieldLabels: META },
  pipelineruns: { group: 'tekton.dev', version: 'v1', plural: 'pipelineruns', kind: 'PipelineRun', listKind: 'PipelineRunList', apiVersion: 'tekton.dev/v1', storage: 'pipelineruns', fieldLabels: META },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', listKind: 'LeaseList', apiVersion: 'coordination.k8s.io/v1', storage: 'leases', fieldLabels: META },
};

export interface ParsedPath {
  resource: Resource;
  namespace: string | undefined;
  name: string | undefined;
}

/** `/api/v1/[namespaces/{ns}/]{plural}[/{name}]` or `/apis/{group}/{version}/…`. */
export function parsePath(pathname: string): ParsedPath | undefined {
  const segs = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group = '';
  let rest: string[];
  if (segs[0] === 'api' && segs[1] === 'v1') rest = segs.slice(2);
  else if (segs[0] === 'apis' && segs.length >= 3) {
    group = segs[1]!;
    if (segs[2] !== 'v1') return undefined;
    rest = segs.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length < 1 || rest.length > 2) return undefined;
  const resource = (Object.keys(RESOURCES) as Resource[]).find((r) => RESOURCES[r].group === group && RESOURCES[r].plural === rest[0]);
  if (!resource) return undefined;
  return { resource, namespace, name: rest[1] };
}

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

/** core/v1 Event → events.k8s.io/v1 Event (the stored form). */
export function coreToV1(e: Obj): Obj {
  const out: Obj = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: e.metadata,
    eventTime: e['eventTime'] ?? null,
    reason: e['reason'],
    regarding: e['involvedObject'],
    note: e['message'],
    type: e['type'],
    action: e['action'],
    reportingController: e['reportingComponent'] || (e['source'] as { component?: string } | undefined)?.component,
    reportingInstance: e['reportingInstance'] || (e['source'] as { host?: string } | undefined)?.host,
    deprecatedSource: e['source'],
    deprecatedFirstTimestamp: e['firstTimestamp'],
    deprecatedLastTimestamp: e['lastTimestamp'],
    deprecatedCount: e['count'],
  };
  if (e['series']) out['series'] = e['series'];
  if (e['related']) out['related'] = e['related'];
  return dropUndefined(out);
}

/** events.k8s.io/v1 Event → the core/v1 view. */
export function v1ToCore(e: Obj): Obj {
  const out: Obj = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: e.metadata,
    involvedObject: e['regarding'],
    reason: e['reason'],
    message: e['note'],
    source: e['deprecatedSource'] ?? { component: e['reportingController'], host: e['reportingInstance'] },
    firstTimestamp: e['deprecatedFirstTimestamp'] ?? null,
    lastTimestamp: e['deprecatedLastTimestamp'] ?? null,
    count: e['deprecatedCount'],
    type: e['type'],
    eventTime: e['eventTime'] ?? null,
    series: e['series'],
    action: e['action'],
    related: e['related'],
    reportingComponent: e['reportingController'] ?? '',
    reportingInstance: e['reportingInstance'] ?? '',
  };
  return dropUndefined(out);
}

function dropUndefined(o: Obj): Obj {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** The object as the resource shows it (an Event in its API version's shape). */
export function view(resource: Resource, stored: Obj): Obj {
  if (resource === 'coreevents') return v1ToCore(stored);
  return stored;
}

/** What to store for an object given in the resource's shape. */
export function toStored(resource: Resource, obj: Obj): Obj {
  if (resource === 'coreevents') return coreToV1(obj);
  const info = RESOURCES[resource];
  return { apiVersion: info.apiVersion, kind: info.kind, ...obj };
}
