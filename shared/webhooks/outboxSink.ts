/**
 * The webhook outbox's step in the write protocol (the ChangeSink of shared/store/types.ts):
 * every stored change becomes a `webhook_changes` row with the write (an Event's in the append
 * statement itself, a run status's in its transaction).
 *
 * `active()` must answer without a round trip, so whether any subscription is enabled is kept
 * here and refreshed every REFRESH_MS in the background (and at once when this process creates
 * or enables one). While none is, ingest keeps its one-statement path and pays nothing.
 */
import type pg from 'pg';
import { logger } from '../log.js';
import type { ChangeSink, StoredChange } from '../store/types.js';
import { recordRunChanges } from '../store/outbox.js';

export const REFRESH_MS = 1_000;

export class OutboxSink implements ChangeSink {
  /** The append statement writes the Events' outbox rows (APPEND_OUTBOX_SQL); onChanges writes the statuses'. */
  readonly eventsInAppend = true;
  #any = true; // until the first look: better a transaction too many than a change lost
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(private readonly pool: pg.Pool) {}

  active(): boolean {
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.refresh(), REFRESH_MS);
      this.#timer.unref();
      void this.refresh();
    }
    return this.#any;
  }

  /** Looks again now whether any subscription is enabled. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.pool
      .query<{ any: boolean }>({ text: `select exists (select 1 from webhook_subscriptions where enabled) as any` })
      .then(
        ({ rows }) => {
          this.#any = rows[0]?.any ?? true;
        },
        (err: { code?: string; message?: string }) => logger.debug({ code: err.code, message: err.message }, 'webhook subscriptions not readable; keeping the outbox on'),
      )
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  /** A subscription was just enabled in this process: start writing the outbox at once. */
  subscriptionEnabled(): void {
    this.#any = true;
  }

  /** Run statuses only: the append statement has written the Events' rows (eventsInAppend). */
  async onChanges(client: pg.ClientBase, changes: StoredChange[]): Promise<void> {
    await recordRunChanges(client, changes.filter((c) => c.kind === 'status').map((c) => ({ recordId: c.recordId, ceId: c.ceId })));
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

const sinks = new WeakMap<pg.Pool, OutboxSink>();

/** One sink per pool, shared by the ingest and subscriptions functions of a process. */
export function outboxSink(pool: pg.Pool): OutboxSink {
  let sink = sinks.get(pool);
  if (!sink) sinks.set(pool, (sink = new OutboxSink(pool)));
  return sink;
}
