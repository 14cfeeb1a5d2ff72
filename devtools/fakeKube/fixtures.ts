/**
 * Objects shaped after what a real cluster with Tekton Pipelines serves: Tekton's labels and
 * owner references, pod names `<taskrun>-pod` (`-retry1` for a retry), Event names
 * `<object>.<16 hex digits>` and repeating Events as a series of one uid.
 */
import { randomUUID } from 'node:crypto';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };
const MANAGED = { 'app.kubernetes.io/managed-by': 'tekton-pipelines' };

export const iso = (d: Date | number): string => new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');
const micro = (d: Date | number): string => new Date(d).toISOString().replace(/Z$/, '000Z');

let clock = Date.parse('2026-11-24T10:00:00Z');
/** A deterministic, increasing time for the next fixture. */
export function tick(seconds = 1): number {
  clock += seconds * 1000;
  return clock;
}

/** Kubernetes names Events `<object name>.<unix nanoseconds in hex>`. */
export function eventName(objectName: string, at: number): string {
  const nanos = BigInt(at) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
  return `${objectName}.${nanos.toString(16).padStart(16, '0')}`;
}

export interface RunRef {
  name: string;
  uid: string;
}

export function pipelineRun(ns: string, name: string, opts: { pipeline?: string; uid?: string } = {}): Obj {
  const pipeline = opts.pipeline ?? name.replace(/-[a-z0-9]{5}$/, '');
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: { name, namespace: ns, uid: opts.uid ?? randomUUID(), labels: { 'tekton.dev/pipeline': pipeline }, annotations: {} },
    spec: { pipelineRef: { name: pipeline }, timeouts: { pipeline: '1h0m0s' } },
    status: { conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running', message: 'Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0' }], startTime: iso(tick(0)) },
  };
}

export interface TaskRunOptions {
  pipelineRun?: Obj;
  pipelineTask?: string;
  podName?: string;
  uid?: string;
  /** pod names of earlier, failed attempts (status.retriesStatus), oldest first */
  retriesStatus?: { podName: string }[];
  /** shorthand: this many earlier attempts, with pods `<name>-pod`, `<name>-pod-retry1`, … */
  retries?: number;
}

/** Tekton names a TaskRun's pod `<taskrun>-pod`, and the pod of its n-th retry `<taskrun>-pod-retry<n>`. */
export const retryPodName = (taskRunName: string, attempt: number): string => `${taskRunName}-pod${attempt ? `-retry${attempt}` : ''}`;

export function taskRun(ns: string, name: string, opts: TaskRunOptions = {}): Obj {
  const pr = opts.pipelineRun;
  const task = opts.pipelineTask ?? name;
  const labels: Record<string, string> = { ...MANAGED, 'tekton.dev/task': task };
  const meta: Record<string, unknown> = { name, namespace: ns, uid: opts.uid ?? randomUUID(), labels, annotations: {} };
  if (pr) {
    const prName = String(pr.metadata['name']);
    Object.assign(labels, { 'tekton.dev/pipelineRun': prName, 'tekton.dev/pipelineRunUID': String(pr.metadata['uid']), 'tekton.dev/pipelineTask': task, 'tekton.dev/memberOf': 'tasks', 'tekton.dev/pipeline': String((pr.metadata['labels'] as Record<string, string>)['tekton.dev/pipeline']) });
    meta['ownerReferences'] = [{ apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', name: prName, uid: pr.metadata['uid'], controller: true, blockOwnerDeletion: true }];
  }
  const retries = opts.retriesStatus ?? Array.from({ length: opts.retries ?? 0 }, (_, i) => ({ podName: retryPodName(name, i) }));
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'TaskRun',
    metadata: meta,
    spec: { taskRef: { kind: 'Task', name: task }, serviceAccountName: 'default', timeout: '1h0m0s', ...(opts.retries ? { retries: opts.retries } : {}) },
    status: {
      podName: opts.podName ?? retryPodName(name, retries.length),
      conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running', message: 'Not all Steps in the Task have finished executing' }],
      startTime: iso(tick(0)),
      ...(retries.length ? { retriesStatus: retries.map((r) => ({ podName: r.podName, conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed' }] })) } : {}),
    },
  };
}

/** A TaskRun for `pod()` when only names are at hand (its uid is then made up). */
function runOf(ns: string, o: { taskRun: Obj | string; pipelineRun?: Obj | string; pipelineTask?: string }): Obj {
  if (typeof o.taskRun !== 'string') return o.taskRun;
  const pr = typeof o.pipelineRun === 'string' ? pipelineRun(ns, o.pipelineRun) : o.pipelineRun;
  return taskRun(ns, o.taskRun, { ...(pr ? { pipelineRun: pr } : {}), ...(o.pipelineTask ? { pipelineTask: o.pipelineTask } : {}) });
}

/**
 * The pod of a TaskRun, labelled and owned as Tekton makes it. `of` is the TaskRun object, or
 * `{ taskRun, pipelineRun?, pipelineTask? }` with the TaskRun object or just its name.
 */
export function pod(ns: string, name: string, of: Obj | { taskRun: Obj | string; pipelineRun?: Obj | string; pipelineTask?: string }): Obj {
  const tr = 'metadata' in of ? of : runOf(ns, of);
  const trLabels = tr.metadata['labels'] as Record<string, string>;
  const labels: Record<string, string> = { ...MANAGED, 'tekton.dev/taskRun': String(tr.metadata['name']), 'tekton.dev/taskRunUID': String(tr.metadata['uid']), 'tekton.dev/task': trLabels['tekton.dev/task'] ?? '' };
  for (const l of ['tekton.dev/pipelineRun', 'tekton.dev/pipelineRunUID', 'tekton.dev/pipelineTask', 'tekton.dev/pipeline', 'tekton.dev/memberOf']) {
    if (trLabels[l]) labels[l] = trLabels[l];
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, uid: randomUUID(), labels, ownerReferences: [{ apiVersion: 'tekton.dev/v1', kind: 'TaskRun', name: tr.metadata['name'], uid: tr.metadata['uid'], controller: true, blockOwnerDeletion: true }] },
    spec: { containers: [{ name: 'step-build', image: 'gcr.io/kaniko-project/executor:v1.23.2' }], restartPolicy: 'Never' },
    status: { phase: 'Pending' },
  };
}

function ref(obj: Obj, fieldPath?: string): Record<string, unknown> {
  const r: Record<string, unknown> = { kind: obj['kind'], namespace: obj.metadata['namespace'], name: obj.metadata['name'], uid: obj.metadata['uid'], apiVersion: obj['apiVersion'] };
  if (fieldPath) r['fieldPath'] = fieldPath;
  return r;
}

const CONTROLLER: Record<string, string> = { Pod: 'kubelet', TaskRun: 'TaskRun', PipelineRun: 'PipelineRun' };

/** An events.k8s.io/v1 Event about `obj`, as a controller using the new API writes it. */
export function eventV1(obj: Obj, reason: string, note: string, opts: { type?: 'Normal' | 'Warning'; at?: number; fieldPath?: string; controller?: string; action?: string } = {}): Obj {
  const at = opts.at ?? tick();
  const controller = opts.controller ?? CONTROLLER[String(obj['kind'])] ?? 'default-scheduler';
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: eventName(String(obj.metadata['name']), at), namespace: obj.metadata['namespace'], uid: randomUUID(), creationTimestamp: iso(at) },
    eventTime: micro(at),
    reportingController: controller,
    reportingInstance: controller === 'kubelet' ? 'node-1' : `${controller}-6d8f`,
    action: opts.action ?? reason,
    reason,
    regarding: ref(obj, opts.fieldPath),
    note,
    type: opts.type ?? 'Normal',
  };
}

/** A core/v1 Event about `obj`, as the kubelet and the Tekton controller still write them. */
export function coreEvent(obj: Obj, reason: string, message: string, opts: { type?: 'Normal' | 'Warning'; at?: number; fieldPath?: string; component?: string } = {}): Obj {
  const at = opts.at ?? tick();
  const component = opts.component ?? CONTROLLER[String(obj['kind'])] ?? 'default-scheduler';
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(String(obj.metadata['name']), at), namespace: obj.metadata['namespace'], uid: randomUUID(), creationTimestamp: iso(at) },
    involvedObject: ref(obj, opts.fieldPath),
    reason,
    message,
    source: component === 'kubelet' ? { component, host: 'node-1' } : { component },
    firstTimestamp: iso(at),
    lastTimestamp: iso(at),
    count: 1,
    type: opts.type ?? 'Normal',
    eventTime: null,
    reportingComponent: component,
    reportingInstance: component === 'kubelet' ? 'node-1' : '',
  };
}

/**
 * The next state of a repeating Event (same uid and name): core/v1 grows `count` and
 * `lastTimestamp`; events.k8s.io/v1 grows `series`.
 */
export function repeat(e: Obj, count: number, at = tick()): Obj {
  const next = structuredClone(e);
  if (next['apiVersion'] === 'v1') {
    next['count'] = count;
    next['lastTimestamp'] = iso(at);
  } else {
    next['series'] = { count, lastObservedTime: micro(at) };
  }
  return next;
}

/** Marks a run finished, as the Tekton controller does. */
export function finish(run: Obj, reason: string, message: string, opts: { succeeded?: boolean; steps?: { name: string; exitCode: number; reason: string }[]; at?: number } = {}): Obj {
  const next = structuredClone(run);
  const st = next['status'] as Record<string, unknown>;
  st['conditions'] = [{ type: 'Succeeded', status: opts.succeeded ? 'True' : 'False', reason, message, lastTransitionTime: iso(opts.at ?? tick()) }];
  st['completionTime'] = iso(opts.at ?? tick(0));
  if (opts.steps) {
    st['steps'] = opts.steps.map((s) => ({ name: s.name, container: `step-${s.name}`, terminated: { exitCode: s.exitCode, reason: s.reason, startedAt: st['startTime'], finishedAt: st['completionTime'] } }));
  }
  return next;
}
