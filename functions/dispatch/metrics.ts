/**
 * The dispatcher's Prometheus metrics (prom-client), in a registry of its own. Counters count
 * what this process did; the lag gauges are read from the database at scrape time, so they are
 * true whichever dispatcher did the work.
 */
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { outboxLag } from '../../shared/store/outbox.js';
import { pendingDeliveries } from '../../shared/store/deliveries.js';

const P = 'tekton_events_webhook_';

export class DispatchMetrics {
  readonly registry = new Registry();
  readonly delivered: Counter;
  readonly retried: Counter;
  readonly dead: Counter;
  readonly cancelled: Counter;
  readonly deferred: Counter;
  readonly fannedOut: Counter;
  readonly endToEnd: Histogram;
  readonly attemptSeconds: Histogram;

  constructor(pool: pg.Pool) {
    const registers = [this.registry];
    this.delivered = new Counter({ name: `${P}delivered_total`, help: 'Deliveries the target accepted (2xx)', registers });
    this.retried = new Counter({ name: `${P}retried_total`, help: 'Attempts that failed and were scheduled again', registers });
    this.dead = new Counter({ name: `${P}dead_letters_total`, help: 'Deliveries given up: maximum age reached, or 410 Gone', registers });
    this.cancelled = new Counter({ name: `${P}cancelled_total`, help: 'Deliveries dropped because their subscription was disabled', registers });
    this.deferred = new Counter({ name: `${P}deferred_total`, help: 'Jobs put back because their target was at its concurrency bound', registers });
    this.fannedOut = new Counter({ name: `${P}deliveries_created_total`, help: 'Deliveries created from stored changes', registers });
    this.endToEnd = new Histogram({
      name: `${P}ingest_to_delivery_seconds`,
      help: 'From the change being stored to the target accepting it',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers,
    });
    this.attemptSeconds = new Histogram({
      name: `${P}attempt_duration_seconds`,
      help: 'One request to a target, until its answer or failure',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    new Gauge({
      name: `${P}lag_seconds`,
      help: 'Age of the oldest delivery not yet accepted, or of the oldest change not yet fanned out',
      registers,
      async collect() {
        const [outbox, deliveries] = await Promise.all([outboxLag(pool), pendingDeliveries(pool)]);
        this.set(Math.max(outbox.lagSeconds, deliveries.oldestSeconds));
      },
    });
    new Gauge({
      name: `${P}pending`,
      help: 'Deliveries waiting for an accepted attempt',
      registers,
      async collect() {
        this.set((await pendingDeliveries(pool)).pending);
      },
    });
    new Gauge({
      name: `${P}outbox_pending`,
      help: 'Stored changes not yet fanned out to subscriptions',
      registers,
      async collect() {
        this.set((await outboxLag(pool)).pending);
      },
    });
  }
}
