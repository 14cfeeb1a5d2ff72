/**
 * Tells each run where its Events are kept: once per run, a JSON merge patch adding
 * `results.tekton.dev/eventlist: <record name>` (SPEC §4), as the Tekton Results watcher
 * annotates runs with their result and record. It is sent after the sink has accepted one of the
 * run's Events, so the annotation never points at a record that does not exist.
 *
 * client-node sends a JSON Patch unless told otherwise, and a JSON Patch `add` of one key needs
 * the annotations map to exist; a merge patch needs neither, so the content type is set here.
 *
 * Beside a Tekton Results watcher running with `-store_event`, which adopts whatever
 * `results.tekton.dev/eventlist` a run carries as the name of its own EventList record:
 *   - an annotation already there is never replaced, whoever wrote it; the patch carries the
 *     run's resourceVersion as a precondition, so a value written after our cache saw the run
 *     is not overwritten either (409: wait for the cache to see the newer run, decide again);
 *   - a run the watcher files under another Result than ours (a `results.tekton.dev/result`
 *     annotation, Triggers' event id label) is not annotated: our record name would be wrong there.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { EVENTLIST_ANNOTATION } from '../shared/names.js';
import { Lru } from './caches.js';
import type { AnnotationInfo } from './caches.js';
import type { ForwarderMetrics } from './metrics.js';

export interface AnnotateTarget {
  namespace: string;
  kind: 'TaskRun' | 'PipelineRun';
  name: string;
  uid: string;
  recordName: string;
  /** the Result the record belongs to (`<ns>/results/<uid>`) */
  resultName: string;
}

export type AnnotateDecision = 'patch' | 'done' | 'kept' | 'foreign' | 'unknown';

/** Whether to patch the run, from what the informer cache knows of it. */
export function decide(t: AnnotateTarget, info: AnnotationInfo | undefined): AnnotateDecision {
  if (!info) return 'unknown';
  if (info.eventList === t.recordName) return 'done';
  if (info.eventList !== undefined) return 'kept';
  if (info.resultsResult !== undefined && info.resultsResult !== t.resultName) return 'foreign';
  return 'patch';
}

export class Annotator {
  private readonly api: CustomObjectsApi;
  /** run uid → record name, for runs patched (or being patched) by this process */
  private readonly done: Lru<string>;
  private readonly queue: AnnotateTarget[] = [];
  private running = 0;
  private stopped = false;

  constructor(
    kc: KubeConfig,
    private readonly o: {
      metrics: ForwarderMetrics;
      log: Logger;
      cacheSize: number;
      /** what the informer cache knows of the run */
      current: (t: AnnotateTarget) => AnnotationInfo | undefined;
      concurrency?: number;
    },
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
    this.done = new Lru(o.cacheSize);
  }

  /** Asks for the annotation; cheap when the run has it or was already asked for. */
  request(t: AnnotateTarget): void {
    if (this.stopped || this.done.peek(t.uid) === t.recordName) return;
    this.done.set(t.uid, t.recordName);
    if (!this.proceed(t)) return;
    this.queue.push(t);
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private pump(): void {
    while (!this.stopped && this.running < (this.o.concurrency ?? 2) && this.queue.length > 0) {
      const t = this.queue.shift()!;
      this.running++;
      void this.patch(t).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /** Decides from the cache; false when there is nothing to patch (counted, and logged once per run). */
  private proceed(t: AnnotateTarget): boolean {
    const d = decide(t, this.o.current(t));
    if (d === 'patch') return true;
    if (d === 'unknown') {
      // Not in the cache (evicted): never patch blind; a later Event of the run asks again.
      this.forget(t);
    } else if (d !== 'done') {
      this.o.metrics.annotated.inc({ result: d });
      this.o.log.info(
        { run: `${t.namespace}/${t.name}`, reason: d === 'kept' ? 'it already names another EventList record' : 'Tekton Results files it under another Result' },
        'not annotating a run',
      );
    }
    return false;
  }

  private forget(t: AnnotateTarget): void {
    if (this.done.peek(t.uid) === t.recordName) this.done.set(t.uid, '');
  }

  private async patch(t: AnnotateTarget): Promise<void> {
    let conflicts = 0;
    for (let attempt = 0; attempt < 5 && !this.stopped; attempt++) {
      // Decided again before each attempt: the run may have been annotated by someone else meanwhile.
      if (!this.proceed(t)) return;
      const resourceVersion = this.o.current(t)?.resourceVersion;
      try {
        await this.api.patchNamespacedCustomObject(
          {
            group: 'tekton.dev',
            version: 'v1',
            namespace: t.namespace,
            plural: t.kind === 'TaskRun' ? 'taskruns' : 'pipelineruns',
            name: t.name,
            body: { metadata: { annotations: { [EVENTLIST_ANNOTATION]: t.recordName }, ...(resourceVersion ? { resourceVersion } : {}) } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        this.o.metrics.annotated.inc({ result: 'patched' });
        return;
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code === 404) {
          this.o.metrics.annotated.inc({ result: 'gone' });
          return;
        }
        if (code === 409 && conflicts++ < 20) {
          // The run changed since the cache saw it (its status, often): wait for the newer version.
          attempt--;
          await sleep(100 * Math.min(conflicts, 10));
          continue;
        }
        this.o.log.warn({ err: (err as Error).message, run: `${t.namespace}/${t.name}`, attempt: attempt + 1 }, 'annotating a run failed');
        if (code !== undefined && code >= 400 && code < 500 && code !== 429) break;
        await sleep(500 * 2 ** attempt * (0.5 + Math.random() / 2));
      }
    }
    if (this.stopped) return;
    this.o.metrics.annotated.inc({ result: 'failed' });
    // Forget it, so that a later Event of the run tries again.
    this.forget(t);
  }
}
