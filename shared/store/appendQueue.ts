/**
 * Group commit in front of the write protocol (writeBatch.ts).
 *
 * Each write costs Postgres a fixed price (a statement, a commit, its WAL flush) on top of its
 * rows, so concurrent requests share statements: while `maxInFlight` writes are running (the
 * pool's connections), arriving requests wait in a queue; when one write finishes, everything
 * queued, up to `maxGroupWrites` (whole requests only), is merged into the next write. There is
 * no timer: a request that finds a free slot starts at once, so a lone request is never
 * delayed, and under load groups grow by themselves to what Postgres can absorb.
 *
 * - Every request is answered only after the commit that holds its writes: 2xx still means
 *   durable.
 * - A conflict retries the group as a whole (inside storeBatch).
 * - Bad input in one request never fails another: a group refused for anything but an outage
 *   is split, and each request runs again alone, to its own answer.
 * - Run statuses join the group: a group with statuses is one transaction, so each request's
 *   writes stay atomic.
 */
import type pg from 'pg';
import { classifyPgError } from '../db/errors.js';
import { batchSize, mergeBatches, storeBatch, type BatchOutcome, type PreparedBatch, type StoreOptions } from './writeBatch.js';

export interface AppendQueueOptions extends StoreOptions {
  /** writes in flight at most: the pool's connections (PG_POOL_MAX) */
  maxInFlight: number;
  /** Events and statuses one merged write holds at most; a larger request runs alone. */
  maxGroupWrites?: number;
}

interface Entry {
  batch: PreparedBatch;
  size: number;
  resolve(outcome: BatchOutcome): void;
  reject(err: unknown): void;
}

/** Big enough to amortise a statement, small enough that a group's statement stays short. */
export const DEFAULT_MAX_GROUP_WRITES = 1_000;

export class AppendQueue {
  private readonly queue: Entry[] = [];
  private inFlight = 0;
  private readonly idle: (() => void)[] = [];
  private readonly maxGroupWrites: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: AppendQueueOptions,
  ) {
    this.maxGroupWrites = opts.maxGroupWrites ?? DEFAULT_MAX_GROUP_WRITES;
  }

  /** Stores `batch` (alone or in a group); resolves after the commit that holds it. */
  submit(batch: PreparedBatch): Promise<BatchOutcome> {
    return new Promise<BatchOutcome>((resolve, reject) => {
      this.queue.push({ batch, size: batchSize(batch), resolve, reject });
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
      for (const e of group) {
        await storeBatch(this.pool, e.batch, this.opts).then(e.resolve, e.reject);
      }
    }
  }
}
