/**
 * Per-target concurrency bounds. A target is a URL's scheme, host and port: every subscription
 * pointing there shares its bound, so a slow or hanging target holds at most `perTarget`
 * requests (and `perTarget` waiting jobs) of a dispatcher, and every other target keeps going.
 * A job beyond that is not held at all: the caller defers it to a little later.
 */

interface Lane {
  active: number;
  waiting: (() => void)[];
}

export function targetKey(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
}

export class TargetLimiter {
  #lanes = new Map<string, Lane>();

  constructor(
    private readonly perTarget: number,
    private readonly maxWaiting: number = perTarget,
  ) {}

  /** Runs `fn` when the target has room; undefined (not run) when it is busy and its waiting line full. */
  tryRun<T>(key: string, fn: () => Promise<T>): Promise<T> | undefined {
    let lane = this.#lanes.get(key);
    if (!lane) this.#lanes.set(key, (lane = { active: 0, waiting: [] }));
    const l = lane;
    if (l.active >= this.perTarget && l.waiting.length >= this.maxWaiting) return undefined;
    const run = async () => {
      // A waiter is handed the slot of the request that ends, so the bound holds at every moment.
      if (l.active >= this.perTarget) await new Promise<void>((resolve) => l.waiting.push(resolve));
      else l.active++;
      try {
        return await fn();
      } finally {
        const next = l.waiting.shift();
        if (next) next();
        else if (--l.active === 0) this.#lanes.delete(key);
      }
    };
    return run();
  }

  /** Requests in flight to `key`, for tests and metrics. */
  active(key: string): number {
    return this.#lanes.get(key)?.active ?? 0;
  }
}
