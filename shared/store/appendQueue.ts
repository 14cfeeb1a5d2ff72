/**
 * Group commit in front of the write protocol (writeBatch.ts).
 *
 * Each write costs Postgres a fixed price (a statement, a commit, its WAL flush) on top of its
 * rows, so concurrent requests share statements: while `maxInFlight` writes are running (the
 * pool's connections), arriving requests wait in a queue; when one write finishes, everything
 * queued, up to `maxGroupWrites` (whole requests only), is merged into the next write. There is
 * no timer: a request that finds nothing running starts at once, so a lone request is never
 * delayed, and under load groups grow by themselves to what Postgres can absorb.
 *
 * A second write starts beside a running one only when what waits is worth a statement of its
 * own (`minParallelWrites`): a small statement costs Postgres nearly as much as a large one
 * (planning, locks, its commit's WAL flush), so single-event requests are better merged into
 * the next group than run in parallel, while batches, which already fill a statement, use
 * every slot. Measured on 2 cores: one event per request from 16 clients went from ~1,900 to
 * ~3,800 events/s with one write in flight instead of four, and batches of 100 from ~16,000
 * to ~8,000 — so neither fixed bound is right for both.
 *
 * - Every request is answered only after the commit that holds its writes: 2xx still means
 *   durable.
 * - A conflict retries the group as a whole (inside storeBatch).
 * - Bad input in one request never fails another: a group refused for anything but an outage
 *   is split, and each request runs again alone, to its own answer.
 * - Run statuses join the group: a group with statuses is one transaction, so each request's
 *   writes stay atomic.
 * - The queue is bounded by the size of what waits in it (`maxQueuedBytes`): past it, a request
 *   is refused at once as Overloaded (503 + Retry-After) rather than held in memory while
 *   Postgres falls further behind. A request that finds the queue empty is always taken.
 */
import type pg from 'pg';
import { classifyPgError, Overloaded } from '../db/errors.js';
import { batchSize, mergeBatches, storeBatch, type BatchOutcome, type PreparedBatch, type StoreOptions } from './writeBatch.js';

export interface AppendQueueOptions extends StoreOptions {
  /** writes in flight at most: the pool's connections (PG_POOL_MAX) */
  maxInFlight: number;
  /** Events and statuses one merged write holds at most; a larger request runs alone. */
  maxGroupWrites?: number;
  /** Serialised characters of the requests waiting (not running) at most; more are refused. */
  maxQueuedBytes?: number;
  /** Events and statuses waiting that justify a write beside one already running. */
  minParallelWrites?: number;
}

interface Entry {
  batch: PreparedBatch;
  size: number;
  bytes: number;
  resolve(outcome: BatchOutcome): void;
  reject(err: unknown): void;
}

/** Big enough to amortise a statement, small enough that a group's statement stays short. */
export const DEFAULT_MAX_GROUP_WRITES = 1_000;

/** Far more than a pool's worth of groups, far less than a 512 MiB pod. */
export const DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/**
 * Where a statement's own rows start to outweigh its fixed cost: ≈0.5 ms fixed against ≈57 µs an
 * Event (measured with the append statement on 2 cores), so below ~10 Events the fixed part is
 * over half; 32 keeps it under a quarter.
 */
export const DEFAULT_MIN_PARALLEL_WRITES = 32;

function bytesOf(b: PreparedBatch): number {
  let n = 0;
  for (const e of b.events) n += e.row.length;
  for (const s of b.statuses) n += JSON.stringify(s.status).length;
  return n;
}

export class AppendQueue {
  private readonly queue: Entry[] = [];
  private inFlight = 0;
  private readonly idle: (() => void)[] = [];
  private readonly maxGroupWrites: number;
  private readonly maxQueuedBytes: number;
  private queuedBytes = 0;
  /** Events and statuses waiting (batchSize of every queued request) */
  private queuedWrites = 0;
  private readonly minParallelWrites: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: AppendQueueOptions,
  ) {
    this.maxGroupWrites = opts.maxGroupWrites ?? DEFAULT_MAX_GROUP_WRITES;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.minParallelWrites = opts.minParallelWrites ?? DEFAULT_MIN_PARALLEL_WRITES;
  }

  /** Stores `batch` (alone or in a group); resolves after the commit that holds it. */
  submit(batch: PreparedBatch): Promise<BatchOutcome> {
    const bytes = bytesOf(batch);
    if (this.queue.length > 0 && this.queuedBytes + bytes > this.maxQueuedBytes) {
      return Promise.reject(new Overloaded(`the write queue is full (${this.queuedBytes} bytes waiting): Postgres is not keeping up`));
    }
    this.queuedBytes += bytes;
    const size = batchSize(batch);
    this.queuedWrites += size;
    return new Promise<BatchOutcome>((resolve, reject) => {
      this.queue.push({ batch, size, bytes, resolve, reject });
      this.pump();
    });
  }

  /** Writes queued or running now; 0 when idle. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Resolves once nothing is queued or running (for shutdown: stop taking requests first). */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.opts.maxInFlight && this.queue.length > 0) {
      // Too little waits to be worth a statement beside the running one: it joins the next group.
      if (this.inFlight > 0 && this.queuedWrites < this.minParallelWrites) return;
      const group = this.takeGroup();
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.pending === 0) for (const done of this.idle.splice(0)) done();
      });
    }
  }

  /** The oldest request, then as many of the next as fit the bound, in arrival order. */
  private takeGroup(): Entry[] {
    const group = [this.queue.shift()!];
    let size = group[0]!.size;
    while (this.queue.length > 0 && size + this.queue[0]!.size <= this.maxGroupWrites) {
      const next = this.queue.shift()!;
      size += next.size;
      group.push(next);
    }
    for (const e of group) {
      this.queuedBytes -= e.bytes;
      this.queuedWrites -= e.size;
    }
    return group;
  }

  private async run(group: Entry[]): Promise<void> {
    try {
      const outcome = await storeBatch(this.pool, mergeBatches(group.map((e) => e.batch)), this.opts);
      for (const e of group) e.resolve(outcome);
    } catch (err) {
      // An outage (or conflicts that retries did not settle) is every request's answer: 503.
      // Anything else may be one request's fault: each runs again alone.
      const kind = classifyPgError(err);
      if (group.length === 1 || kind === 'retry' || kind === 'conflict') {
        for (const e of group) e.reject(err);
        return;
      }
      // Once a rerun meets an outage, the rest get it as their answer at once: rerun in turn,
      // each would wait out its own connection timeout while holding this slot.
      let outage: unknown;
      for (const e of group) {
        if (outage !== undefined) {
          e.reject(outage);
          continue;
        }
        await storeBatch(this.pool, e.batch, this.opts).then(e.resolve, (err: unknown) => {
          if (classifyPgError(err) === 'retry') outage = err;
          e.reject(err);
        });
      }
    }
  }
}
