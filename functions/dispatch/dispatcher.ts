/**
 * The dispatcher: fans stored changes out to deliveries and makes the attempts.
 *
 * Two loops share one process: the fan-out reads the outbox (every FANOUT_POLL_MS when idle,
 * at once while there is a backlog) and wakes the delivery loop when it queued jobs; the
 * delivery loop fetches jobs while it holds fewer than its bound and hands each to its target's
 * lane (targetLimiter.ts). Nothing here is on the ingest path: ingest only writes the outbox.
 *
 * `start()` runs both until `stop()`; `runFor(ms)` does the same work for a bounded time (the
 * HTTP trigger of a scheduler), then returns what it did.
 */
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import type { Config } from '../../shared/config.js';
import { logger } from '../../shared/log.js';
import { classifyPgError } from '../../shared/db/errors.js';
import { claimDeliveries, deliveryTargets } from '../../shared/store/deliveries.js';
import { secretBox, type SecretBox } from '../../shared/webhooks/secret.js';
import type { TargetGuard } from '../../shared/webhooks/request.js';
import { attempt, type AttemptResult } from './attempt.js';
import { fanOutOnce, FANOUT_BATCH, SubscriptionMatcher } from './fanout.js';
import { deferJob, DELIVER_QUEUE, queueTiming, startQueue, type DeliverJob } from './queue.js';
import { Settler, type Settlement } from './settle.js';
import { TargetLimiter, targetKey } from './targetLimiter.js';
import { DispatchMetrics } from './metrics.js';

const FANOUT_POLL_MS = 100;
const FETCH_POLL_MS = 250;
const ERROR_PAUSE_MS = 1_000;
/** How far a job for a busy target is put back. */
const DEFER_MS = 1_000;

type Step = 'busy' | 'idle' | 'throttled';

export type DispatchConfig = Pick<
  Config,
  | 'SUBSCRIPTION_ALLOW_PRIVATE_TARGETS'
  | 'WEBHOOK_SECRET_KEY'
  | 'WEBHOOK_TIMEOUT_SECONDS'
  | 'WEBHOOK_MAX_AGE_SECONDS'
  | 'WEBHOOK_RETRY_MAX_SECONDS'
  | 'WEBHOOK_TARGET_CONCURRENCY'
  | 'WEBHOOK_CONCURRENCY'
>;

export interface DispatchReport {
  changes: number;
  deliveries_created: number;
  attempts: number;
  delivered: number;
}

export class Dispatcher {
  readonly metrics: DispatchMetrics;
  readonly #timing;
  readonly #limiter: TargetLimiter;
  readonly #matcher = new SubscriptionMatcher();
  #boss: PgBoss | undefined;
  #box: SecretBox | undefined;
  #settler: Settler | undefined;
  #held = 0;
  #running = false;
  #loops: Promise<void>[] = [];
  #wake: (() => void) | undefined;
  #inflight = new Set<Promise<void>>();
  #report: DispatchReport = { changes: 0, deliveries_created: 0, attempts: 0, delivered: 0 };

  constructor(
    private readonly pool: pg.Pool,
    private readonly config: DispatchConfig,
    private readonly guard: TargetGuard = { allowPrivate: config.SUBSCRIPTION_ALLOW_PRIVATE_TARGETS },
  ) {
    this.metrics = new DispatchMetrics(pool);
    this.#timing = queueTiming(config.WEBHOOK_TIMEOUT_SECONDS);
    // A target's line holds half the jobs a dispatcher holds at most: a hanging target leaves
    // the other half to the rest, and one busy target alone seldom has a job put back.
    this.#limiter = new TargetLimiter(config.WEBHOOK_TARGET_CONCURRENCY, Math.max(config.WEBHOOK_TARGET_CONCURRENCY, Math.floor(this.#heldMax() / 2)));
  }

  async #ready(supervise: boolean): Promise<{ boss: PgBoss; box: SecretBox; settler: Settler }> {
    this.#boss ??= await startQueue(this.pool, this.#timing, { supervise });
    this.#box ??= await secretBox(this.pool, this.config.WEBHOOK_SECRET_KEY);
    this.#settler ??= new Settler(this.pool, this.#boss);
    return { boss: this.#boss, box: this.#box, settler: this.#settler };
  }

  /** Jobs held at most (in flight and waiting in their target's line). */
  #heldMax(): number {
    return this.config.WEBHOOK_CONCURRENCY * 4;
  }

  /** Runs continuously until stop(). */
  async start(): Promise<void> {
    if (this.#running) return;
    await this.#ready(true);
    this.#running = true;
    this.#loops = [this.#loop(() => this.#fanOut(), true), this.#loop(() => this.#fetchAndDeliver(), false)];
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await Promise.all(this.#loops);
    await Promise.all(this.#inflight);
    await this.#settler?.drain();
    await this.#boss?.stop({ graceful: false, close: false, wait: true });
    this.#boss = undefined;
    this.#settler = undefined;
  }

  /** One bounded run for a scheduler: fan out and deliver until idle or `budgetMs` has passed. */
  async runFor(budgetMs: number): Promise<DispatchReport> {
    const { boss } = await this.#ready(false);
    this.#report = { changes: 0, deliveries_created: 0, attempts: 0, delivered: 0 };
    const end = Date.now() + budgetMs;
    await boss.maintain();
    while (Date.now() < end) {
      const fanned = await this.#fanOut();
      const fetched = await this.#fetchAndDeliver();
      if (fanned === 'idle' && fetched === 'idle' && this.#inflight.size === 0) break;
      if (fetched !== 'busy') await Promise.race([...this.#inflight, new Promise((r) => setTimeout(r, 50))]);
    }
    await Promise.all(this.#inflight);
    await this.#settler?.drain();
    return this.#report;
  }

  async #loop(step: () => Promise<Step>, isFanOut: boolean): Promise<void> {
    while (this.#running) {
      let next: Step = 'idle';
      try {
        next = await step();
      } catch (err) {
        const e = err as { code?: string; message?: string };
        // The database restarting or going away (a stop): nothing is lost, the loop tries again.
        const log = classifyPgError(err) === 'retry' ? logger.info.bind(logger) : logger.warn.bind(logger);
        log({ code: e.code, message: e.message }, isFanOut ? 'webhook fan-out failed; trying again' : 'fetching webhook jobs failed; trying again');
        await new Promise((r) => setTimeout(r, ERROR_PAUSE_MS));
        continue;
      }
      // Idle: sleep, woken early by new jobs or freed room. Throttled: sleep the full interval.
      if (next !== 'busy' && this.#running) await this.#sleep(isFanOut ? FANOUT_POLL_MS : FETCH_POLL_MS, !isFanOut && next === 'idle');
    }
  }

  #sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      if (wakeable) this.#wake = done;
    });
  }

  async #fanOut(): Promise<Step> {
    const { boss } = await this.#ready(this.#running);
    const r = await fanOutOnce(this.pool, boss, this.#matcher, this.config.WEBHOOK_MAX_AGE_SECONDS);
    this.#report.changes += r.changes;
    this.#report.deliveries_created += r.deliveries;
    this.metrics.fannedOut.inc(r.deliveries);
    if (r.deliveries + r.requeued > 0) this.#wake?.();
    return r.more === true || r.changes >= FANOUT_BATCH || r.requeued >= FANOUT_BATCH ? 'busy' : 'idle';
  }

  async #fetchAndDeliver(): Promise<Step> {
    const { boss } = await this.#ready(this.#running);
    const room = this.#heldMax() - this.#held;
    if (room <= 0) return 'idle';
    const jobs = await boss.fetch<DeliverJob>(DELIVER_QUEUE, { batchSize: Math.min(room, 100) });
    if (jobs.length === 0) return 'idle';
    this.#held += jobs.length;
    const admitted = this.#admit(jobs);
    const p = admitted
      .then((a) => a.done)
      .finally(() => {
        this.#held -= jobs.length;
        this.#inflight.delete(p);
        this.#wake?.();
      });
    this.#inflight.add(p);
    // When most of the batch had to be put back (its targets' lines are full), fetching again
    // at once would only put back more.
    const { deferred } = await admitted;
    return deferred < jobs.length / 2 ? 'busy' : 'throttled';
  }

  /** Puts each job in its target's line (or back in the queue); `done` settles when all are through. */
  async #admit(jobs: PgBoss.Job<DeliverJob>[]): Promise<{ deferred: number; done: Promise<void> }> {
    const { box, settler } = await this.#ready(this.#running);
    // Only the target is read here; the delivery is leased when its attempt starts, so waiting
    // in a busy target's line never eats into the lease.
    const targets = await deliveryTargets(this.pool, [...new Set(jobs.map((j) => j.data.d))]);
    const seen = new Set<string>();
    let deferred = 0;
    const work = jobs.map((job): Promise<Settlement> => {
      const url = targets.get(job.data.d);
      if (!url || seen.has(job.data.d)) return Promise.resolve({ jobId: job.id }); // done, gone, or a second job for it
      seen.add(job.data.d);
      const run = this.#limiter.tryRun(targetKey(url), () => this.#attempt(job.id, job.data.d, box));
      if (run) return run;
      deferred++;
      this.metrics.deferred.inc();
      const at = new Date(Date.now() + DEFER_MS + Math.random() * DEFER_MS);
      return deferJob(this.pool, this.#boss!, job.id, job.data.d, at).then(() => ({ jobId: '' }));
    });
    const done = Promise.all(
      work.map(async (w, i) => {
        try {
          await settler.settle(await w).catch(() => undefined); // logged by the settler
        } catch (err) {
          // The job stays active and expires; pg-boss then hands it out again.
          const e = err as { code?: string; message?: string };
          logger.warn({ code: e.code, message: e.message, delivery: jobs[i]!.data.d }, 'webhook attempt could not be made; its job will be retried');
        }
      }),
    ).then(() => undefined);
    return { deferred, done };
  }

  async #attempt(jobId: string, id: string, box: SecretBox): Promise<Settlement> {
    const [d] = await claimDeliveries(this.pool, [id], this.#timing.leaseSeconds);
    if (!d) return { jobId }; // delivered, given up, or in flight elsewhere meanwhile
    const timer = this.metrics.attemptSeconds.startTimer();
    let r: AttemptResult;
    try {
      r = await attempt(d, {
        box,
        guard: this.guard,
        timeoutMs: this.config.WEBHOOK_TIMEOUT_SECONDS * 1000,
        retryMaxMs: this.config.WEBHOOK_RETRY_MAX_SECONDS * 1000,
      });
    } finally {
      timer();
    }
    this.#count(r);
    return { jobId, outcome: r.outcome, ...(r.disable ? { disable: r.disable } : {}) };
  }

  #count(r: AttemptResult): void {
    const o = r.outcome;
    if (o.attempted) this.#report.attempts++;
    if (o.state === 'delivered') {
      this.#report.delivered++;
      this.metrics.delivered.inc();
      if (r.endToEnd !== undefined) this.metrics.endToEnd.observe(r.endToEnd);
    } else if (o.state === 'pending') this.metrics.retried.inc();
    else if (o.state === 'failed') this.metrics.dead.inc();
    else if (o.state === 'cancelled') this.metrics.cancelled.inc();
  }
}
