/**
 * The job queue that carries deliveries: pg-boss (docs/design.md says why), in its own schema
 * `pgboss`, which it creates and migrates itself on start. One queue, one job per attempt; the
 * job says only which delivery to try. Jobs are written in our own transactions through pg-boss'
 * `db` option, so a fan-out or a settled attempt and its jobs commit together.
 *
 * A job held by a dispatcher that died expires after `expireSeconds` and pg-boss' maintenance
 * puts it back: that is how a crash loses nothing.
 */
import PgBoss from 'pg-boss';
import type pg from 'pg';
import { logger } from '../../shared/log.js';
import { inTransaction } from '../../shared/db/pool.js';

export const DELIVER_QUEUE = 'webhook-deliver';
export const QUEUE_SCHEMA = 'pgboss';

export interface DeliverJob {
  /** webhook_deliveries.id */
  d: string;
}

/** pg-boss' database interface over one of our clients (a transaction) or the pool. */
export function bossDb(db: pg.Pool | pg.ClientBase): PgBoss.Db {
  return { executeSql: (text: string, values?: unknown[]) => db.query(text, values) };
}

export interface QueueTiming {
  /** a job not settled after this long is taken back and tried again */
  expireSeconds: number;
  /** how often expired jobs are looked for */
  maintenanceSeconds: number;
}

/** Derived from the request timeout. */
export function queueTiming(timeoutSeconds: number): QueueTiming & { leaseSeconds: number } {
  // The lease covers one attempt (it is taken when the request starts); a job that waits in
  // its target's line past its expiry is only fetched again, and finds the delivery leased or done.
  const leaseSeconds = Math.ceil(timeoutSeconds + 5);
  return { leaseSeconds, expireSeconds: leaseSeconds + 2, maintenanceSeconds: Math.max(1, Math.min(30, Math.ceil(timeoutSeconds))) };
}

export async function startQueue(pool: pg.Pool, timing: QueueTiming, opts: { supervise: boolean }): Promise<PgBoss> {
  const boss = new PgBoss({
    db: bossDb(pool),
    schema: QUEUE_SCHEMA,
    supervise: opts.supervise,
    schedule: false,
    maintenanceIntervalSeconds: timing.maintenanceSeconds,
  });
  boss.on('error', (err: Error & { code?: string }) => logger.warn({ code: err.code, message: err.message }, 'job queue error'));
  await boss.start();
  const queue = {
    name: DELIVER_QUEUE,
    policy: 'standard' as const,
    // Our own attempts are counted in webhook_deliveries; pg-boss retries only a job whose
    // dispatcher died, which must never run out.
    retryLimit: 1_000_000,
    retryDelay: 1,
    retryBackoff: false,
    expireInSeconds: timing.expireSeconds,
    retentionMinutes: 60,
  };
  await boss.createQueue(DELIVER_QUEUE, queue);
  await boss.updateQueue(DELIVER_QUEUE, queue);
  return boss;
}

export function deliverJobs(items: { id: string; startAfter?: Date }[]): PgBoss.JobInsert<DeliverJob>[] {
  return items.map((i) => ({ name: DELIVER_QUEUE, data: { d: i.id }, ...(i.startAfter ? { startAfter: i.startAfter.toISOString() } : {}) }));
}

/**
 * Completes jobs inside our transaction. pg-boss 10's implementation is
 * `complete(name, ids, data, options)`; its typings lack the form with both ids and options.
 */
export async function completeJobs(boss: PgBoss, ids: string[], db: pg.ClientBase): Promise<void> {
  if (ids.length === 0) return;
  const complete = boss.complete.bind(boss) as unknown as (name: string, ids: string[], data: null, options: { db: PgBoss.Db }) => Promise<unknown>;
  await complete(DELIVER_QUEUE, ids, null, { db: bossDb(db) });
}

/** Puts a job back for later (its target is busy): the job completed, a new one queued, one transaction. */
export async function deferJob(pool: pg.Pool, boss: PgBoss, jobId: string, deliveryId: string, at: Date): Promise<void> {
  await inTransaction(pool, async (client) => {
    await completeJobs(boss, [jobId], client);
    await boss.insert(deliverJobs([{ id: deliveryId, startAfter: at }]), { db: bossDb(client) });
  });
}
