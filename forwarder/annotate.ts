/**
 * Tells each run where its Events are kept: once per run, a JSON merge patch adding
 * `results.tekton.dev/eventlist: <record name>` (SPEC §4), as the Tekton Results watcher
 * annotates runs with their result and record. It is sent after the sink has accepted one of the
 * run's Events, so the annotation never points at a record that does not exist.
 *
 * client-node sends a JSON Patch unless told otherwise, and a JSON Patch `add` of one key needs
 * the annotations map to exist; a merge patch needs neither, so the content type is set here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { EVENTLIST_ANNOTATION } from '../shared/names.js';
import { Lru } from './caches.js';
import type { ForwarderMetrics } from './metrics.js';

export interface AnnotateTarget {
  namespace: string;
  kind: 'TaskRun' | 'PipelineRun';
  name: string;
  uid: string;
  recordName: string;
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
      /** the annotation the run already carries, from the informer cache */
      current: (t: AnnotateTarget) => string | undefined;
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
    if (this.o.current(t) === t.recordName) return;
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

  private async patch(t: AnnotateTarget): Promise<void> {
    for (let attempt = 0; attempt < 5 && !this.stopped; attempt++) {
      try {
        await this.api.patchNamespacedCustomObject(
          {
            group: 'tekton.dev',
            version: 'v1',
            namespace: t.namespace,
            plural: t.kind === 'TaskRun' ? 'taskruns' : 'pipelineruns',
            name: t.name,
            body: { metadata: { annotations: { [EVENTLIST_ANNOTATION]: t.recordName } } },
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
        this.o.log.warn({ err: (err as Error).message, run: `${t.namespace}/${t.name}`, attempt: attempt + 1 }, 'annotating a run failed');
        if (code !== undefined && code >= 400 && code < 500 && code !== 429) break;
        await sleep(500 * 2 ** attempt * (0.5 + Math.random() / 2));
      }
    }
    this.o.metrics.annotated.inc({ result: 'failed' });
    // Forget it, so that a later Event of the run tries again.
    if (this.done.peek(t.uid) === t.recordName) this.done.set(t.uid, '');
  }
}
