/** Polling, for tests that wait on something asynchronous to happen. */

/** Polls `probe` every `pollMs` until `check` accepts its value; the last value is in the error when it never does. */
export async function until<T>(probe: () => Promise<T> | T, check: (v: T) => boolean, what: string, timeoutMs = 45_000, pollMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (check(last)) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Waits until `cond` holds, checking every `pollMs`. */
export async function untilTrue(cond: () => boolean, what: string, timeoutMs: number, pollMs: number): Promise<void> {
  await until(cond, Boolean, what, timeoutMs, pollMs);
}
