/**
 * Settling attempts: each outcome recorded on its delivery, its job completed, the next job
 * (a retry, a deferral) queued and a 410's subscription disabled, all in one transaction, so a
 * crash leaves either the whole step or none of it. Outcomes that arrive while a settlement
 * is being written are written together by the next one (group commit, no timer).
 */
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { inTransaction } from '../../shared/db/pool.js';
import { retryConflicts } from '../../shared/db/retry.js';
import { logger } from '../../shared/log.js';
import { recordOutcomes, type AttemptOutcome } from '../../shared/store/deliveries.js';
import { disableSubscription } from '../../shared/store/subscriptions.js';
import { bossDb, completeJobs, deliverJobs } from './queue.js';

export interface Settlement {
  jobId: string;
  /** absent: the job had nothing to do (delivery done, gone, or held elsewhere) */
  outcome?: AttemptOutcome;
  disable?: { subscriptionId: string; reason: string };
}

export class Settler {
  #queued: { s: Settlement; done: (err?: unknown) => void }[] = [];
  #writing: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly boss: PgBoss,
  ) {}

  settle(s: Settlement): Promise<void> {
    if (!s.jobId) return Promise.resolve(); // settled already (a deferred job)
    return new Promise<void>((resolve, reject) => {
      this.#queued.push({ s, done: (err) => (err === undefined ? resolve() : reject(err as Error)) });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#writing || this.#queued.length === 0) return;
    const group = this.#queued.splice(0);
    this.#writing = this.#write(group.map((g) => g.s)).then(
      () => group.forEach((g) => g.done()),
      (err: unknown) => {
        const e = err as { code?: string; message?: string };
        logger.warn({ code: e.code, message: e.message, settlements: group.length }, 'settling webhook attempts failed; their jobs will be retried');
        group.forEach((g) => g.done(err));
      },
    );
    void this.#writing.finally(() => {
      this.#writing = undefined;
      this.#kick();
    });
  }

  async #write(group: Settlement[]): Promise<void> {
    const outcomes = group.flatMap((s) => (s.outcome ? [s.outcome] : []));
    const next = outcomes.filter((o) => o.state === 'pending' && o.nextAttempt).map((o) => ({ id: o.id, startAfter: o.nextAttempt! }));
    await retryConflicts(
      () =>
        inTransaction(this.pool, async (client) => {
          await recordOutcomes(client, outcomes);
          for (const s of group) if (s.disable) await disableSubscription(client, s.disable.subscriptionId, s.disable.reason);
          await completeJobs(this.boss, group.map((s) => s.jobId), client);
          if (next.length > 0) await this.boss.insert(deliverJobs(next), { db: bossDb(client) });
        }),
      { what: 'settling webhook attempts' },
    );
  }

  /** Resolves when nothing is being written or waiting to be. */
  async drain(): Promise<void> {
    while (this.#writing) await this.#writing.catch(() => undefined);
  }
}
