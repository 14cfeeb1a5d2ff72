/**
 * When to try a delivery again. Attempts are durable (the next one is a queued job, which a
 * restart does not lose), so this is a pure delay calculation rather than the in-process retry
 * helper the forwarder uses.
 */

const BASE_MS = 1_000;

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Exponential backoff with equal jitter (half fixed, half random, so retries of many deliveries
 * spread out but never come early), capped at `maxMs`. A `Retry-After` the target sent is
 * honoured (never retried earlier, up to the cap), plus a little jitter.
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, maxMs: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) {
    const wait = Math.min(retryAfterMs, maxMs);
    return Math.round(wait + random() * Math.min(1_000, wait * 0.1));
  }
  const exp = Math.min(maxMs, BASE_MS * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(exp / 2 + random() * (exp / 2));
}
