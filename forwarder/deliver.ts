/**
 * Delivery of CloudEvents to the sink: batches bounded by size and time, a bounded buffer that
 * makes producers wait (backpressure) instead of growing, and retries with exponential backoff
 * and full jitter that honour `Retry-After`.
 *
 * The retry loop is written here rather than with p-retry 6: p-retry computes its own delay and
 * only lets `onFailedAttempt` sleep in addition to it, so it cannot wait max(Retry-After,
 * backoff); and we retry without a limit until shutdown, splitting a refused batch into single
 * events, which does not fit its one-operation model.
 *
 * Answers: 2xx delivered. 408/429/5xx and network errors: retried. 401/403/404: retried too
 * (logged as errors): the sink or its token is misconfigured, and dropping every event until
 * someone fixes it is the worse failure. Any other 4xx: the event is bad; a batch is split and
 * sent one by one so only the bad event is dropped, logged with its content and counted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudEvent } from 'cloudevents';
import type { Logger } from 'pino';
import { batchMessage, binaryMessage, type HttpMessage } from './cloudevent.js';
import type { ForwarderMetrics } from './metrics.js';

export interface Outgoing {
  ce: CloudEvent<unknown>;
  /** called once the sink has accepted the event */
  onDelivered?: () => void;
}

export interface DeliveryOptions {
  sink: string;
  token: string | undefined;
  batchSize: number;
  flushIntervalMs: number;
  bufferSize: number;
  concurrency: number;
  metrics: ForwarderMetrics;
  log: Logger;
  baseDelayMs?: number;
  maxDelayMs?: number;
  requestTimeoutMs?: number;
}

type Outcome = { ok: true } | { ok: false; retry: boolean; status: number | undefined; detail: string; retryAfterMs: number | undefined };

const RETRY_STATUSES = new Set([401, 403, 404, 408, 429]);
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** Retry-After: delay-seconds or an HTTP-date. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Math.min(Number(v.trim()) * 1000, MAX_RETRY_AFTER_MS);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.min(Math.max(0, t - now), MAX_RETRY_AFTER_MS);
}

export class Delivery {
  private readonly buffer: Outgoing[] = [];
  private inFlightEvents = 0;
  private inFlight = 0;
  /** how many events at the front of the buffer have waited a whole flush interval */
  private due = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly roomWaiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  /** while flushing for shutdown: give up retrying after this time */
  private deadline = Infinity;
  private flushing = false;
  private wake = new AbortController();
  /** events given up at a shutdown deadline */
  abandoned = 0;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly o: DeliveryOptions) {
    this.baseDelayMs = o.baseDelayMs ?? 200;
    this.maxDelayMs = o.maxDelayMs ?? 30_000;
  }

  /** CloudEvents buffered or in flight. */
  get depth(): number {
    return this.buffer.length + this.inFlightEvents;
  }

  /** Buffers an event; waits while the buffer is full. */
  async enqueue(item: Outgoing): Promise<void> {
    while (this.depth >= this.o.bufferSize && !this.abort.signal.aborted) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    if (this.abort.signal.aborted) return;
    this.buffer.push(item);
    this.o.metrics.bufferDepth.set(this.depth);
    this.pump();
  }

  /** Whether enqueue would wait now. */
  get full(): boolean {
    return this.depth >= this.o.bufferSize;
  }

  /** Sends everything buffered, retrying until `timeoutMs` has passed; true if all was delivered (or refused as bad). */
  async flush(timeoutMs: number): Promise<boolean> {
    this.deadline = Date.now() + timeoutMs;
    this.flushing = true;
    this.wake.abort();
    this.wake = new AbortController();
    this.pump();
    const done = new Promise<void>((resolve) => {
      if (this.depth === 0) resolve();
      else this.idleWaiters.push(resolve);
    });
    const timedOut = sleep(timeoutMs + 1000, 'timeout' as const, { ref: false });
    const r = await Promise.race([done.then(() => 'done' as const), timedOut]);
    return r === 'done' && this.depth === 0 && this.abandoned === 0;
  }

  /** Stops at once: nothing more is sent (a killed process). */
  stop(): void {
    this.abort.abort();
    clearTimeout(this.timer);
    this.buffer.length = 0;
    for (const w of this.roomWaiters.splice(0)) w();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private pump(): void {
    if (this.abort.signal.aborted) return;
    while (this.inFlight < this.o.concurrency && this.buffer.length > 0 && (this.buffer.length >= this.o.batchSize || this.due > 0 || this.flushing)) {
      const batch = this.buffer.splice(0, this.o.batchSize);
      this.due = Math.max(0, this.due - batch.length);
      this.inFlight++;
      this.inFlightEvents += batch.length;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.inFlightEvents -= batch.length;
        this.o.metrics.bufferDepth.set(this.depth);
        for (const w of this.roomWaiters.splice(0)) w();
        if (this.depth === 0) for (const w of this.idleWaiters.splice(0)) w();
        this.pump();
      });
    }
    if (this.buffer.length > 0 && this.timer === undefined && this.due === 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.due = this.buffer.length;
        this.pump();
      }, this.o.flushIntervalMs);
    }
  }

  private async send(batch: Outgoing[]): Promise<void> {
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      const outcome = await this.post(batch);
      if (outcome.ok) {
        for (const item of batch) {
          this.o.metrics.sent.inc({ type: item.ce.type });
          item.onDelivered?.();
        }
        return;
      }
      if (!outcome.retry) {
        if (batch.length > 1) {
          // One bad event makes the ingest function refuse the whole batch: find it.
          this.o.log.warn({ status: outcome.status, events: batch.length, detail: outcome.detail }, 'sink refused a batch; sending its events one by one');
          for (const item of batch) await this.send([item]);
          return;
        }
        this.o.metrics.rejected.inc();
        this.o.log.error({ status: outcome.status, detail: outcome.detail, cloudEvent: batch[0]!.ce.toJSON() }, 'sink refused an event; it is dropped');
        return;
      }
      const backoff = Math.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(attempt, 20));
      const retryAt = Date.now() + Math.max(outcome.retryAfterMs ?? 0, backoff);
      this.o.log.warn({ status: outcome.status, detail: outcome.detail, attempt: attempt + 1, delayMs: retryAt - Date.now(), events: batch.length }, 'delivery failed; retrying');
      if (!(await this.waitUntil(retryAt))) {
        this.o.log.error(
          { events: batch.length, status: outcome.status, detail: outcome.detail },
          'shutdown timeout reached: events not delivered (they are sent again after the next start lists them)',
        );
        this.abandoned += batch.length;
        return;
      }
      this.o.metrics.retried.inc();
    }
  }

  /** Sleeps until `t`; false when stopped, or when a shutdown deadline comes first. */
  private async waitUntil(t: number): Promise<boolean> {
    for (;;) {
      if (this.abort.signal.aborted || t > this.deadline) return false;
      const remaining = t - Date.now();
      if (remaining <= 0) return true;
      try {
        // A flush starting meanwhile wakes us, to check against its deadline.
        await sleep(remaining, undefined, { signal: AbortSignal.any([this.abort.signal, this.wake.signal]) });
      } catch {
        // woken or stopped: checked above
      }
    }
  }

  private async post(batch: Outgoing[]): Promise<Outcome> {
    const msg: HttpMessage = batch.length === 1 ? binaryMessage(batch[0]!.ce) : batchMessage(batch.map((b) => b.ce));
    const headers: Record<string, string> = { ...msg.headers };
    if (this.o.token) headers['authorization'] = `Bearer ${this.o.token}`;
    let res: Response;
    try {
      res = await fetch(this.o.sink, {
        method: 'POST',
        headers,
        body: msg.body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.requestTimeoutMs ?? 30_000)]),
      });
    } catch (err) {
      return { ok: false, retry: true, status: undefined, detail: (err as Error).message, retryAfterMs: undefined };
    }
    const text = await res.text().catch(() => '');
    if (res.status >= 200 && res.status < 300) return { ok: true };
    const retry = res.status >= 500 || RETRY_STATUSES.has(res.status) || res.status < 400;
    return { ok: false, retry, status: res.status, detail: text.slice(0, 2000), retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) };
  }
}
