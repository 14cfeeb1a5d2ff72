/**
 * What linking needs to know about Pods, TaskRuns and PipelineRuns, and nothing more: a few
 * names and uids per object, in bounded least-recently-used maps. A deleted object is kept
 * until it ages out, because its last Events (a Pod's `Killing`, a run's `Failed`) often arrive
 * after it is gone.
 *
 * Terms: a Pod belongs to a TaskRun (label `tekton.dev/taskRun`); a TaskRun may belong to a
 * PipelineRun (label `tekton.dev/pipelineRun`, ownerReference) as its pipeline task
 * (`tekton.dev/pipelineTask`).
 */

export const LABEL_TASKRUN = 'tekton.dev/taskRun';
export const LABEL_PIPELINERUN = 'tekton.dev/pipelineRun';
export const LABEL_PIPELINETASK = 'tekton.dev/pipelineTask';
/** The Pipeline's name, which Tekton puts on a PipelineRun and copies to its TaskRuns and Pods. */
export const LABEL_PIPELINE = 'tekton.dev/pipeline';

/** A Map that forgets its least recently used entries beyond `max`. */
export class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  peek(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  get size(): number {
    return this.map.size;
  }
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind?: string; name?: string; uid?: string; apiVersion?: string }[];
}

export interface RawObject {
  metadata?: ObjectMeta;
  status?: unknown;
}

export interface PodInfo {
  taskRun: string;
  taskRunUid: string | undefined;
  pipelineRun: string | undefined;
  pipelineTask: string | undefined;
  pipeline: string | undefined;
}

/** What annotating a run needs to know (annotate.ts), kept with the run. */
export interface AnnotationInfo {
  /** the run's `results.tekton.dev/eventlist`, whoever wrote it */
  eventList: string | undefined;
  /**
   * The Result a Tekton Results watcher files this run under, when it is not the one derived
   * from the run's uids: a `results.tekton.dev/result` annotation, else Triggers'
   * `triggers.tekton.dev/triggers-eventid` label (the watcher's precedence).
   */
  resultsResult: string | undefined;
  resourceVersion: string | undefined;
}

export interface TaskRunInfo extends AnnotationInfo {
  name: string;
  uid: string;
  pipelineRun: { name: string; uid: string | undefined } | undefined;
  pipelineTask: string | undefined;
  /** its `tekton.dev/pipeline` label, copied from its PipelineRun */
  pipeline: string | undefined;
}

export interface PipelineRunInfo extends AnnotationInfo {
  name: string;
  uid: string;
  /** its `tekton.dev/pipeline` label: the Pipeline's name, which the Results watcher puts on the Result */
  pipeline: string | undefined;
}

export const RESULT_ANNOTATION = 'results.tekton.dev/result';
export const TRIGGERS_EVENTID_LABEL = 'triggers.tekton.dev/triggers-eventid';

const key = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;

/** Of a run's annotations and labels, only what decides whether and how it is annotated. */
function annotationInfo(md: ObjectMeta, annotation: string): AnnotationInfo {
  const eventId = md.labels?.[TRIGGERS_EVENTID_LABEL];
  return {
    eventList: md.annotations?.[annotation],
    resultsResult: md.annotations?.[RESULT_ANNOTATION] ?? (eventId ? `${md.namespace ?? ''}/results/${eventId}` : undefined),
    resourceVersion: md.resourceVersion,
  };
}

export class LinkCaches {
  readonly pods: Lru<PodInfo>;
  readonly taskRuns: Lru<TaskRunInfo>;
  readonly pipelineRuns: Lru<PipelineRunInfo>;
  /** namespace/pod name → TaskRun name, from `status.podName` and retries' pod names */
  readonly podToTaskRun: Lru<string>;

  constructor(
    max: number,
    private readonly annotation: string,
  ) {
    this.pods = new Lru(max);
    this.taskRuns = new Lru(max);
    this.pipelineRuns = new Lru(max);
    this.podToTaskRun = new Lru(max);
  }

  /** Returns whether the Pod belongs to a TaskRun (only those are kept). */
  putPod(pod: RawObject): boolean {
    const md = pod.metadata;
    const taskRun = md?.labels?.[LABEL_TASKRUN];
    if (!md?.name || !taskRun) return false;
    const owner = md.ownerReferences?.find((o) => o.kind === 'TaskRun' && o.name === taskRun);
    this.pods.set(key(md.namespace, md.name), {
      taskRun,
      taskRunUid: owner?.uid,
      pipelineRun: md.labels?.[LABEL_PIPELINERUN],
      pipelineTask: md.labels?.[LABEL_PIPELINETASK],
      pipeline: md.labels?.[LABEL_PIPELINE],
    });
    return true;
  }

  putTaskRun(tr: RawObject): void {
    const md = tr.metadata;
    if (!md?.name || !md.uid) return;
    const prName = md.labels?.[LABEL_PIPELINERUN];
    const owner = md.ownerReferences?.find((o) => o.kind === 'PipelineRun' && (prName === undefined || o.name === prName));
    const pipelineRun = owner?.name ? { name: owner.name, uid: owner.uid } : prName ? { name: prName, uid: undefined } : undefined;
    this.taskRuns.set(key(md.namespace, md.name), {
      name: md.name,
      uid: md.uid,
      pipelineRun,
      pipelineTask: md.labels?.[LABEL_PIPELINETASK],
      pipeline: md.labels?.[LABEL_PIPELINE],
      ...annotationInfo(md, this.annotation),
    });
    const status = tr.status as { podName?: string; retriesStatus?: { podName?: string }[] } | undefined;
    for (const podName of [status?.podName, ...(status?.retriesStatus ?? []).map((r) => r?.podName)]) {
      if (podName) this.podToTaskRun.set(key(md.namespace, podName), md.name);
    }
  }

  putPipelineRun(pr: RawObject): void {
    const md = pr.metadata;
    if (!md?.name || !md.uid) return;
    this.pipelineRuns.set(key(md.namespace, md.name), { name: md.name, uid: md.uid, pipeline: md.labels?.[LABEL_PIPELINE], ...annotationInfo(md, this.annotation) });
  }

  pod(ns: string | undefined, name: string): PodInfo | undefined {
    return this.pods.get(key(ns, name));
  }

  taskRun(ns: string | undefined, name: string): TaskRunInfo | undefined {
    return this.taskRuns.get(key(ns, name));
  }

  pipelineRun(ns: string | undefined, name: string): PipelineRunInfo | undefined {
    return this.pipelineRuns.get(key(ns, name));
  }

  taskRunOfPod(ns: string | undefined, podName: string): string | undefined {
    return this.podToTaskRun.get(key(ns, podName));
  }
}
