/**
 * One informer per watched collection: client-node's ListWatch (list, then watch from the
 * list's resourceVersion, relist on 410 Gone) over our StreamWatch, restarted with backoff on
 * any other error, after which a client-node informer would otherwise stay stopped for good.
 *
 * Objects are handed to `handle` as they arrive from a list or a watch, and not through
 * ListWatch's add/update callbacks: after a relist those fire only for changed objects, while we
 * want every Event that still exists sent again (the ingest function drops duplicates), which is
 * how nothing is missed across restarts and expired watches.
 */
import { ListWatch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { listPages, StreamWatch, type WatchPhase } from './kube.js';
import type { ForwarderMetrics } from './metrics.js';

export interface InformerOptions {
  kc: KubeConfig;
  /** for logs and metrics: pods, events, taskruns, pipelineruns */
  resource: string;
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** sees every object; the stream waits while the promise is pending */
  handle: (phase: WatchPhase, obj: unknown) => void | Promise<void>;
  /** keep no per-object cache entry (Events) */
  noCache?: boolean;
  metrics: ForwarderMetrics;
  log: Logger;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface Informer {
  /** resolves once the first list has been handled */
  synced: Promise<void>;
  isSynced(): boolean;
  stop(): Promise<void>;
}

/** ListWatch keeps only what it needs to resume and to notice deletions on a relist. */
function slim(obj: unknown): KubernetesObject {
  const md = (obj as KubernetesObject | undefined)?.metadata;
  return { metadata: { name: md?.name, namespace: md?.namespace, resourceVersion: md?.resourceVersion } };
}

/**
 * For Events not even that: nothing needs ListWatch's cache of them (each is handled as it
 * arrives, and an Event's deletion means nothing to us), and a busy cluster has far more Events
 * than runs. All of a namespace's Events share one placeholder entry, so the cache is one entry
 * per namespace, while the resourceVersion ListWatch resumes from is still each object's.
 */
function placeholder(obj: unknown): KubernetesObject {
  const md = (obj as KubernetesObject | undefined)?.metadata;
  return { metadata: { name: '-', namespace: md?.namespace, resourceVersion: md?.resourceVersion } };
}

export function startInformer(o: InformerOptions): Informer {
  const log = o.log.child({ resource: o.resource });
  let stopped = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  let synced = false;
  let markSynced!: () => void;
  const syncedPromise = new Promise<void>((resolve) => (markSynced = resolve));

  const handle = async (phase: WatchPhase, obj: unknown) => {
    o.metrics.seen.inc({ resource: o.resource });
    await o.handle(phase, obj);
  };
  const onHandlerError = (err: unknown, obj: unknown) =>
    log.error({ err, name: (obj as KubernetesObject | undefined)?.metadata?.name }, 'handling an object failed; it is skipped');

  const keep = o.noCache ? placeholder : slim;
  const listFn = async () => {
    o.metrics.relists.inc({ resource: o.resource });
    const items: KubernetesObject[] = [];
    const resourceVersion = await listPages(o.kc, o.path, { labelSelector: o.labelSelector, fieldSelector: o.fieldSelector }, async (page) => {
      for (const obj of page) {
        try {
          await handle('ADDED', obj);
        } catch (err) {
          onHandlerError(err, obj);
        }
        const kept = keep(obj);
        if (!o.noCache || !items.some((i) => i.metadata?.namespace === kept.metadata?.namespace)) items.push(kept);
      }
    });
    attempt = 0;
    if (!synced) {
      synced = true;
      log.info({ objects: items.length }, 'listed; watching');
      markSynced();
    } else {
      log.info({ objects: items.length }, 'relisted');
    }
    return { metadata: { resourceVersion }, items };
  };

  const watch = new StreamWatch(o.kc, handle, keep, () => (attempt = 0), onHandlerError);
  const lw = new ListWatch<KubernetesObject>(o.path, watch, listFn, false, o.labelSelector, o.fieldSelector);

  const restartLater = (err: unknown) => {
    if (stopped) return;
    const cap = Math.min(o.maxBackoffMs ?? 30_000, (o.minBackoffMs ?? 250) * 2 ** Math.min(attempt, 16));
    const delay = cap / 2 + (Math.random() * cap) / 2;
    attempt++;
    o.metrics.watchRestarts.inc({ resource: o.resource });
    log.warn({ err: (err as Error)?.message ?? err, delayMs: Math.round(delay), attempt }, 'list/watch failed; restarting');
    clearTimeout(timer);
    timer = setTimeout(start, delay);
  };
  const start = () => {
    if (stopped) return;
    // start() resumes from the last resourceVersion (or lists, if there is none or it expired).
    lw.start().catch(restartLater);
  };
  lw.on('error', restartLater);
  start();

  return {
    synced: syncedPromise,
    isSynced: () => synced,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await lw.stop();
    },
  };
}
