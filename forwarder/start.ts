/**
 * The forwarder put together: informers → caches → link → strip → CloudEvents → delivery, plus
 * run-status events and run annotations. `startForwarder` is what main.ts runs and what tests
 * start against a fake API server; `shutdown()` is SIGTERM (flush), `kill()` a crash (no flush).
 *
 * Order at start: Pods, TaskRuns and PipelineRuns are listed first, so the Events listed next
 * find their runs in the caches instead of all waiting in the link queue.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { logger as rootLogger } from '../shared/log.js';
import { EVENTLIST_ANNOTATION, eventListRecordName, resultName } from '../shared/names.js';
import type { PipelineRunRef, StoredEvent } from '../shared/event.js';
import { loadKubeConfig } from '../shared/kubeConfig.js';
import { Annotator } from './annotate.js';
import { LABEL_PIPELINE, LABEL_TASKRUN, LinkCaches, Lru, type RawObject } from './caches.js';
import { eventCloudEvent, runStatusCloudEvent, type CloudEventOptions } from './cloudevent.js';
import type { ForwarderConfig } from './config.js';
import { Delivery } from './deliver.js';
import { linkEvent, LinkQueue, pipelineRunRef, type Link } from './link.js';
import { ForwarderMetrics } from './metrics.js';
import { finishedStatus, type RawRun } from './runStatus.js';
import { regardingOf, stripEvent, type RawEvent, type StrippedEvent } from './strip.js';
import { startInformer, type Informer } from './watch.js';

export interface Forwarder {
  metrics: ForwarderMetrics;
  /** true once every informer has listed (or at once when storing is off) */
  isReady(): boolean;
  ready: Promise<void>;
  /** SIGTERM: stop watching, send what is buffered (up to the shutdown timeout) */
  shutdown(): Promise<void>;
  /** a crash: stop everything at once, send nothing more */
  kill(): Promise<void>;
}

const LINK_QUEUE_MAX = 10_000;
const TEKTON_KINDS = new Set(['Pod', 'TaskRun', 'PipelineRun']);

function collectionPath(resource: 'pods' | 'taskruns' | 'pipelineruns' | 'events', eventsApi: ForwarderConfig['eventsApi'], ns: string | undefined): string {
  const nsPart = ns ? `/namespaces/${ns}` : '';
  if (resource === 'pods') return `/api/v1${nsPart}/pods`;
  if (resource === 'events') return eventsApi === 'v1' ? `/api/v1${nsPart}/events` : `/apis/events.k8s.io/v1${nsPart}/events`;
  return `/apis/tekton.dev/v1${nsPart}/${resource}`;
}

export function startForwarder(config: ForwarderConfig, deps: { kubeConfig?: KubeConfig; log?: Logger; metrics?: ForwarderMetrics } = {}): Forwarder {
  const log = (deps.log ?? rootLogger).child({ component: 'forwarder' });
  const metrics = deps.metrics ?? new ForwarderMetrics();
  if (!config.storeEvents) {
    log.info('storing Events is off (--store-events=false, the default): nothing is watched or sent');
    return { metrics, isReady: () => true, ready: Promise.resolve(), shutdown: async () => undefined, kill: async () => undefined };
  }
  const kc = deps.kubeConfig ?? loadKubeConfig({ kubeconfig: config.kubeconfig });
  const ceOpts: CloudEventOptions = { clusterName: config.clusterName, extensions: config.ceExtensions };
  const caches = new LinkCaches(config.cacheSize, EVENTLIST_ANNOTATION);
  const queue = new LinkQueue(LINK_QUEUE_MAX, config.linkWaitMs);
  const delivery = new Delivery({
    sink: config.sink!,
    token: config.sinkToken,
    batchSize: config.batchSize,
    flushIntervalMs: config.flushIntervalMs,
    bufferSize: config.bufferSize,
    concurrency: config.sendConcurrency,
    metrics,
    log,
  });
  const annotator = new Annotator(kc, {
    metrics,
    log,
    cacheSize: config.cacheSize,
    current: (t) =>
      t.kind === 'TaskRun' ? caches.taskRun(t.namespace, t.name) : caches.pipelineRun(t.namespace, t.name),
  });
  /** run uid → resourceVersion whose status was sent, so a finished run is reported once per process */
  const statusSent = new Lru<string>(config.cacheSize);
  /** finished TaskRuns whose PipelineRun uid is not known yet */
  const statusWaiting = new Map<string, { raw: RawRun & RawObject; kind: 'TaskRun' | 'PipelineRun' }>();

  function send(event: StrippedEvent, link: Link): Promise<void> {
    metrics.linked.inc();
    const stored: StoredEvent = { ...event, regarding: { ...event.regarding, taskName: link.taskName } };
    const built = eventCloudEvent(stored, link, ceOpts);
    if ('problem' in built) {
      metrics.rejected.inc();
      log.error({ problem: built.problem, event: stored }, 'an Event cannot be sent as a valid CloudEvent; it is dropped');
      return Promise.resolve();
    }
    const resultUid = link.pipelineRun?.uid ?? link.run.uid;
    const target = {
      namespace: link.namespace,
      kind: link.run.kind,
      name: link.run.name,
      uid: link.run.uid,
      recordName: eventListRecordName(link.namespace, resultUid, link.run.uid),
      resultName: resultName(link.namespace, resultUid),
    };
    return delivery.enqueue({ ce: built.ce, onDelivered: config.annotate ? () => annotator.request(target) : undefined });
  }

  function sendStatus(raw: RawRun & RawObject, kind: 'TaskRun' | 'PipelineRun'): Promise<void> {
    const md = raw.metadata;
    if (!md?.name || !md.uid || !md.namespace) return Promise.resolve();
    const status = finishedStatus(raw);
    if (!status || statusSent.peek(md.uid) !== undefined) return Promise.resolve();
    let pipelineRun: PipelineRunRef = kind === 'PipelineRun' ? pipelineRunRef(md.name, md.uid, md.labels?.[LABEL_PIPELINE]) : null;
    if (kind === 'TaskRun') {
      const tr = caches.taskRun(md.namespace, md.name);
      const pr = tr?.pipelineRun;
      if (pr) {
        const cached = caches.pipelineRun(md.namespace, pr.name);
        const uid = pr.uid ?? cached?.uid;
        if (!uid) {
          statusWaiting.set(md.uid, { raw, kind });
          return Promise.resolve();
        }
        pipelineRun = pipelineRunRef(pr.name, uid, (cached?.uid === uid ? cached.pipeline : undefined) ?? tr.pipeline);
      }
    }
    statusWaiting.delete(md.uid);
    statusSent.set(md.uid, md.resourceVersion ?? '0');
    const built = runStatusCloudEvent(md.namespace, { kind, name: md.name, uid: md.uid }, pipelineRun, md.resourceVersion ?? '0', status, ceOpts);
    if ('problem' in built) {
      metrics.rejected.inc();
      log.error({ problem: built.problem, run: `${md.namespace}/${md.name}` }, 'a run status cannot be sent as a valid CloudEvent; it is dropped');
      return Promise.resolve();
    }
    return delivery.enqueue({ ce: built.ce });
  }

  let retryTimer: NodeJS.Timeout | undefined;
  function retryWaiting(): void {
    retryTimer = undefined;
    for (const w of [...statusWaiting.values()]) void sendStatus(w.raw, w.kind);
    if (queue.size === 0) return;
    const { linked, expired } = queue.retry(caches);
    for (const l of linked) void send(l.event, l.link);
    for (const w of expired) {
      metrics.unlinked.inc();
      log.warn({ reason: w.reason, event: `${w.event.metadata.namespace}/${w.event.metadata.name}`, eventReason: w.event.reason }, 'gave up linking an Event to a run; it is not stored');
    }
    metrics.linkQueueDepth.set(queue.size);
  }
  /** Cache changes may complete waiting links; coalesced so a burst of updates costs one pass. */
  function scheduleRetry(): void {
    if (retryTimer === undefined && (queue.size > 0 || statusWaiting.size > 0)) retryTimer = setTimeout(retryWaiting, 50);
  }
  const expiryTimer = setInterval(retryWaiting, Math.max(100, Math.min(1000, config.linkWaitMs / 4)));
  expiryTimer.unref();

  function onEvent(phase: string, obj: unknown): Promise<void> | void {
    if (phase === 'DELETED') return;
    const raw = obj as RawEvent;
    const ref = regardingOf(raw);
    if (!ref?.kind || !TEKTON_KINDS.has(ref.kind)) {
      metrics.ignored.inc();
      return;
    }
    const stripped = stripEvent(raw);
    if (!stripped) {
      metrics.ignored.inc();
      log.debug({ name: raw.metadata?.name }, 'an Event without the fields a stored Event needs is ignored');
      return;
    }
    const r = linkEvent(stripped, caches);
    if ('link' in r) return send(stripped, r.link);
    if ('ignore' in r) {
      metrics.ignored.inc();
      return;
    }
    const dropped = queue.add(stripped, r.wait);
    if (dropped) {
      metrics.unlinked.inc();
      log.warn({ reason: dropped.reason, event: dropped.event.metadata.name }, 'link queue full: gave up the longest waiting Event');
    }
    metrics.linkQueueDepth.set(queue.size);
    scheduleRetry();
  }

  const namespaces: (string | undefined)[] = config.namespaces.length > 0 ? config.namespaces : [undefined];
  const informers: Informer[] = [];
  const inform = (resource: 'pods' | 'taskruns' | 'pipelineruns' | 'events', handle: (phase: string, obj: unknown) => Promise<void> | void, labelSelector?: string) => {
    for (const ns of namespaces) {
      const path = collectionPath(resource, config.eventsApi, ns);
      informers.push(startInformer({ kc, resource, path, labelSelector, handle, noCache: resource === 'events', metrics, log }));
    }
  };
  inform('pods', (phase, obj) => {
    if (phase !== 'DELETED' && caches.putPod(obj as RawObject)) scheduleRetry();
  }, LABEL_TASKRUN);
  inform('taskruns', (phase, obj) => {
    if (phase === 'DELETED') return;
    caches.putTaskRun(obj as RawObject);
    scheduleRetry();
    return sendStatus(obj as RawRun & RawObject, 'TaskRun');
  });
  inform('pipelineruns', (phase, obj) => {
    if (phase === 'DELETED') return;
    caches.putPipelineRun(obj as RawObject);
    scheduleRetry();
    return sendStatus(obj as RawRun & RawObject, 'PipelineRun');
  });

  let stopped = false;
  const ready = Promise.all(informers.map((i) => i.synced)).then(async () => {
    if (stopped) return;
    const before = informers.length;
    inform('events', onEvent);
    await Promise.all(informers.slice(before).map((i) => i.synced));
    log.info({ namespaces: config.namespaces.length > 0 ? config.namespaces : 'all', sink: config.sink }, 'caches synced; forwarding Events');
  });
  let readyNow = false;
  void ready.then(() => (readyNow = !stopped));

  async function stopInputs(): Promise<void> {
    stopped = true;
    readyNow = false;
    clearInterval(expiryTimer);
    clearTimeout(retryTimer);
    await Promise.all(informers.map((i) => i.stop()));
  }

  return {
    metrics,
    ready,
    isReady: () => readyNow,
    async shutdown() {
      await stopInputs();
      retryWaiting();
      for (const w of queue.drain()) log.warn({ reason: w.reason, event: w.event.metadata.name }, 'shutting down: an Event still waiting for its run is not stored');
      const flushed = await delivery.flush(config.shutdownTimeoutMs);
      log.info({ flushed, undelivered: delivery.depth }, 'forwarder stopped');
      annotator.stop();
      delivery.stop();
    },
    async kill() {
      delivery.stop();
      annotator.stop();
      await stopInputs();
    },
  };
}
