/**
 * An Event → the run whose EventList it belongs to (SPEC §1). Pure: the answer comes from the
 * caches only, never from the API server.
 *
 *   Pod Event         → its TaskRun (Pod labels, or the TaskRun that named the Pod in
 *                       `status.podName` / a retry's pod name when the Pod is gone)
 *   TaskRun Event     → the TaskRun
 *   PipelineRun Event → the PipelineRun
 * and a TaskRun's PipelineRun from its labels/ownerReferences. An Event whose objects are not
 * known yet waits (LinkQueue) rather than being dropped or guessed.
 */
import { LABEL_VALUE_RE, type PipelineRunRef, type RunRef } from '../shared/event.js';
import type { LinkCaches, PodInfo } from './caches.js';
import type { StrippedEvent } from './strip.js';

export interface Link {
  namespace: string;
  run: RunRef;
  pipelineRun: PipelineRunRef;
  /** the pipeline task name, else the run's own name */
  taskName: string;
}

export type LinkResult = { link: Link } | { ignore: string } | { wait: string };

const TEKTON_GROUP = /^tekton\.dev\//;

/**
 * Whether an unknown Pod could be a TaskRun's: Tekton names them `<taskrun>-pod`, retries
 * `<taskrun>-pod-retry<N>`, and a name that would be too long becomes a 63-character hashed
 * one. Other Pods' Events (most of a cluster's) are ignored at once instead of waiting.
 */
export function mayBeTaskRunPod(name: string): boolean {
  return /-pod(-retry\d+)?$/.test(name) || name.length === 63;
}

/**
 * A PipelineRun reference, with its Pipeline's name when known. The label comes from the API
 * server, which validated it; one that is not a label value anyway is left out rather than
 * making the event invalid.
 */
export function pipelineRunRef(name: string, uid: string, pipeline: string | undefined): NonNullable<PipelineRunRef> {
  return pipeline !== undefined && LABEL_VALUE_RE.test(pipeline) ? { name, uid, pipeline } : { name, uid };
}

function resolveTaskRun(caches: LinkCaches, ns: string, trName: string, pod: PodInfo | undefined, uidHint: string | undefined): LinkResult {
  const tr = caches.taskRun(ns, trName);
  let uid: string | undefined;
  let pr: { name: string; uid: string | undefined } | undefined;
  let pipelineTask: string | undefined;
  let pipeline: string | undefined;
  if (tr) {
    ({ uid, pipelineRun: pr, pipelineTask, pipeline } = tr);
  } else if (pod) {
    // The Pod's labels and owner say as much as the TaskRun would.
    uid = pod.taskRunUid ?? uidHint;
    pr = pod.pipelineRun ? { name: pod.pipelineRun, uid: undefined } : undefined;
    pipelineTask = pod.pipelineTask;
    pipeline = pod.pipeline;
  }
  if (!uid) return { wait: `TaskRun ${ns}/${trName} not seen yet` };
  let pipelineRun: PipelineRunRef = null;
  if (pr) {
    const cached = caches.pipelineRun(ns, pr.name);
    const prUid = pr.uid ?? cached?.uid;
    if (!prUid) return { wait: `PipelineRun ${ns}/${pr.name} not seen yet` };
    // The PipelineRun's own label first; Tekton copies it to its TaskRuns and Pods.
    pipelineRun = pipelineRunRef(pr.name, prUid, (cached?.uid === prUid ? cached.pipeline : undefined) ?? pipeline);
  }
  return { link: { namespace: ns, run: { kind: 'TaskRun', name: trName, uid }, pipelineRun, taskName: pipelineTask ?? trName } };
}

export function linkEvent(e: StrippedEvent, caches: LinkCaches): LinkResult {
  const ref = e.regarding;
  const ns = ref.namespace ?? e.metadata.namespace;
  if (!ns) return { ignore: 'no namespace' };
  if (ref.kind === 'Pod' && (ref.apiVersion === undefined || ref.apiVersion === 'v1')) {
    const pod = caches.pod(ns, ref.name);
    const trName = pod?.taskRun ?? caches.taskRunOfPod(ns, ref.name);
    if (!trName) return mayBeTaskRunPod(ref.name) ? { wait: `Pod ${ns}/${ref.name} not seen yet` } : { ignore: 'not a TaskRun pod' };
    return resolveTaskRun(caches, ns, trName, pod, undefined);
  }
  const tekton = ref.apiVersion === undefined || TEKTON_GROUP.test(ref.apiVersion);
  if (ref.kind === 'TaskRun' && tekton) {
    // Standalone or not is only known from the TaskRun itself: wait for it.
    if (!caches.taskRun(ns, ref.name)) return { wait: `TaskRun ${ns}/${ref.name} not seen yet` };
    return resolveTaskRun(caches, ns, ref.name, undefined, ref.uid);
  }
  if (ref.kind === 'PipelineRun' && tekton) {
    const cached = caches.pipelineRun(ns, ref.name);
    const uid = ref.uid ?? cached?.uid;
    if (!uid) return { wait: `PipelineRun ${ns}/${ref.name} not seen yet` };
    const run: RunRef = { kind: 'PipelineRun', name: ref.name, uid };
    const pipeline = cached?.uid === uid ? cached.pipeline : undefined;
    return { link: { namespace: ns, run, pipelineRun: pipelineRunRef(ref.name, uid, pipeline), taskName: ref.name } };
  }
  return { ignore: `not a Tekton object (${ref.kind})` };
}

interface Waiting {
  event: StrippedEvent;
  since: number;
  reason: string;
}

/**
 * Events that could not be linked yet, keyed by Event uid (a newer state of a waiting Event
 * replaces the older), bounded: when full, the longest waiting is given up.
 */
export class LinkQueue {
  private readonly waiting = new Map<string, Waiting>();

  constructor(
    private readonly max: number,
    private readonly waitMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  /** Returns an Event given up to make room, if any. */
  add(event: StrippedEvent, reason: string): Waiting | undefined {
    const k = event.metadata.uid ?? `${event.metadata.namespace ?? ''}/${event.metadata.name}`;
    const prev = this.waiting.get(k);
    this.waiting.delete(k);
    this.waiting.set(k, { event, since: prev?.since ?? this.now(), reason });
    if (this.waiting.size <= this.max) return undefined;
    const [oldestKey, oldest] = this.waiting.entries().next().value!;
    this.waiting.delete(oldestKey);
    return oldest;
  }

  /** Tries every waiting Event again: returns those now linked and those that waited too long. */
  retry(caches: LinkCaches): { linked: { event: StrippedEvent; link: Link }[]; expired: Waiting[] } {
    const linked: { event: StrippedEvent; link: Link }[] = [];
    const expired: Waiting[] = [];
    const now = this.now();
    for (const [k, w] of this.waiting) {
      const r = linkEvent(w.event, caches);
      if ('link' in r) {
        linked.push({ event: w.event, link: r.link });
        this.waiting.delete(k);
      } else if ('ignore' in r || now - w.since >= this.waitMs) {
        expired.push('wait' in r ? { ...w, reason: r.wait } : w);
        this.waiting.delete(k);
      }
    }
    return { linked, expired };
  }

  /** Everything still waiting (on shutdown: logged as not stored). */
  drain(): Waiting[] {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    return all;
  }
}
