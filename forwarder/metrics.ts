/**
 * The forwarder's Prometheus metrics (prom-client), in a registry of its own so that several
 * forwarders in one process (tests) do not collide.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

const P = 'tekton_events_forwarder_';

export class ForwarderMetrics {
  readonly registry = new Registry();
  readonly seen: Counter<'resource'>;
  readonly linked: Counter;
  readonly ignored: Counter;
  readonly unlinked: Counter;
  readonly sent: Counter<'type'>;
  readonly retried: Counter;
  readonly rejected: Counter;
  readonly bufferDepth: Gauge;
  readonly linkQueueDepth: Gauge;
  readonly watchRestarts: Counter<'resource'>;
  readonly relists: Counter<'resource'>;
  readonly annotated: Counter<'result'>;
  readonly leader: Gauge<'identity'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.seen = new Counter({ name: `${P}objects_seen_total`, help: 'Objects received from list or watch, by resource', labelNames: ['resource'], registers });
    this.linked = new Counter({ name: `${P}events_linked_total`, help: 'Events linked to their TaskRun or PipelineRun', registers });
    this.ignored = new Counter({ name: `${P}events_ignored_total`, help: 'Events not related to a Tekton run', registers });
    this.unlinked = new Counter({ name: `${P}events_unlinked_total`, help: 'Events given up after waiting for their Pod or run to be seen', registers });
    this.sent = new Counter({ name: `${P}events_sent_total`, help: 'CloudEvents the sink accepted (2xx), by type', labelNames: ['type'], registers });
    this.retried = new Counter({ name: `${P}delivery_retries_total`, help: 'Delivery attempts that failed and were retried', registers });
    this.rejected = new Counter({ name: `${P}events_rejected_total`, help: 'CloudEvents refused (4xx) or invalid, not retried', registers });
    this.bufferDepth = new Gauge({ name: `${P}buffer_depth`, help: 'CloudEvents buffered or in flight', registers });
    this.linkQueueDepth = new Gauge({ name: `${P}link_queue_depth`, help: 'Events waiting for their Pod or run to be seen', registers });
    this.watchRestarts = new Counter({ name: `${P}watch_restarts_total`, help: 'Watches restarted after an error, by resource', labelNames: ['resource'], registers });
    this.relists = new Counter({ name: `${P}relists_total`, help: 'Full lists (start, or after 410 Gone), by resource', labelNames: ['resource'], registers });
    this.annotated = new Counter({ name: `${P}annotations_total`, help: 'Run annotations: patched, gone (run deleted), failed, kept (the run names another record), foreign (Results files it under another Result)', labelNames: ['result'], registers });
    this.leader = new Gauge({ name: `${P}leader`, help: 'With leader election: 1 while this replica (identity) leads and forwards, 0 while it stands by', labelNames: ['identity'], registers });
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: P });
  }
}
